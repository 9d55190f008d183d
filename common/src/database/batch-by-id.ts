import DataLoader from 'dataloader';
import { isUuid } from '../validation/input-rules';

/**
 * One request's loader for rows keyed by UUID: every lookup in the request is
 * batched into one query, and ids that are not UUIDs resolve to null unasked.
 */
export function batchById<T>(findMany: (ids: string[]) => Promise<T[]>, idOf: (row: T) => string, options: { cache?: boolean } = {}): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const found = await findMany(ids.filter(isUuid));
    const byId = new Map(found.map((row) => [idOf(row), row]));
    return ids.map((id) => byId.get(id) ?? null);
  }, options);
}
