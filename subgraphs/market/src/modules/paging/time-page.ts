import { BadUserInputError, Connection, isStorableTime, LARGEST_PAGE_SIZE, pageInfoOf, pageSize, requireTimeRange } from '@herck/common';

/** Histories give the largest pages of the API (a day of minute candles fits in two). */
export const MAX_PAGE = LARGEST_PAGE_SIZE;
export const DEFAULT_PAGE = 100;

/** A validated request for one page of a time series. */
export interface TimePage {
  from: Date | null;
  to: Date | null;
  first: number;
  /** Oldest first when `from` is given, newest first otherwise. */
  ascending: boolean;
  /** Continue strictly after this time (in the page's direction). */
  after: Date | null;
}

export interface TimePageArgs {
  from?: Date | null;
  to?: Date | null;
  first?: number | null;
  after?: string | null;
}

/**
 * Checks the arguments every history query shares; bad ones are BAD_USER_INPUT naming the field.
 * An empty `after` is no cursor, as in every other list.
 */
export function timePage({ from = null, to = null, first, after = null }: TimePageArgs): TimePage {
  const size = first ?? DEFAULT_PAGE;
  pageSize(size, MAX_PAGE);
  if (from && to) requireTimeRange(from, to);
  return { from, to, first: size, ascending: from !== null, after: after ? decodeTimeCursor(after) : null };
}

/** Opaque to clients: the time of the last item seen. */
export function encodeTimeCursor(time: Date): string {
  return Buffer.from(time.toISOString()).toString('base64url');
}

/** Only what `encodeTimeCursor` wrote: any other text a Date would parse ("2024", "1") is no position of ours. */
function decodeTimeCursor(cursor: string): Date {
  const text = Buffer.from(cursor.slice(0, 64), 'base64url').toString('utf8');
  const time = new Date(text);
  // Base64url decoding skips characters it does not know: only the very text encodeTimeCursor writes is taken.
  if (cursor.length > 64 || !isStorableTime(time) || time.toISOString() !== text || encodeTimeCursor(time) !== cursor) throw new BadUserInputError('Invalid cursor', 'after');
  return time;
}

/** SQL conditions and order for `column` (parameters appended to `params`). */
export function timeWindowSql(column: string, page: TimePage, params: unknown[]): { where: string; order: string } {
  const conditions: string[] = [];
  const bounds: [string, Date | null][] = [
    ['>=', page.from],
    ['<=', page.to],
    [page.ascending ? '>' : '<', page.after],
  ];
  for (const [operator, value] of bounds) {
    if (!value) continue;
    conditions.push(`${column} ${operator} ?`);
    params.push(value);
  }
  return { where: conditions.length ? conditions.join(' AND ') : 'true', order: `${column} ${page.ascending ? 'ASC' : 'DESC'}` };
}

/** Rows fetched with `first + 1` as the limit become a connection; the extra row only says another page follows. */
export function toConnection<T>(rows: T[], page: TimePage, timeOf: (row: T) => Date): Connection<T> {
  const nodes = rows.slice(0, page.first);
  const edges = nodes.map((node) => ({ node, cursor: encodeTimeCursor(timeOf(node)) }));
  return { edges, nodes, pageInfo: pageInfoOf(edges, rows.length > page.first, page.after !== null) };
}
