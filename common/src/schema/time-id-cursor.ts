import { BadUserInputError } from '../errors/app-errors';
import { isUuid } from '../validation/input-rules';

/** A position in a list ordered by (time, id): opaque to clients. */
export interface TimeIdPosition {
  time: Date;
  /** The tie-break at one time: a UUID, or what the list orders by after time (a sequence number). */
  id: string;
}

/**
 * `list` names the list the cursor belongs to (`alerts`, `orders`, …), so that a cursor of one
 * list given to another is refused rather than taken as a position in it.
 */
export function encodeTimeIdCursor(list: string, time: Date, id: string): string {
  return Buffer.from(JSON.stringify([list, time.toISOString(), id])).toString('base64url');
}

/** Years 1 to 9999: JavaScript's dates reach much further than PostgreSQL's timestamps, which refuse the rest. */
export function isStorableTime(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}

/**
 * The position a cursor of `list` names; anything else (another list's cursor included) is
 * BAD_USER_INPUT on `after`. The id part is a UUID unless `isId` says what else it may be (a list
 * ordered by a sequence number).
 */
export function decodeTimeIdCursor(list: string, cursor: string, isId: (id: string) => boolean = isUuid): TimeIdPosition {
  try {
    const [, time, id] = JSON.parse(Buffer.from(cursor.slice(0, 250), 'base64url').toString('utf8')) as [string, string, string];
    const date = new Date(time);
    // Only the very text encodeTimeIdCursor writes for this list: base64url decoding skips
    // characters it does not know, and Date reads "1" or "Jan 11 2026" as times.
    if (isStorableTime(date) && typeof id === 'string' && isId(id) && encodeTimeIdCursor(list, date, id) === cursor) return { time: date, id };
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('Invalid cursor', 'after');
}
