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

/** A page of one named list: the name goes into its cursors, and another list's cursor is no position in it. */
export interface ListPage extends TimePage {
  list: string;
}

export interface TimePageArgs {
  list: string;
  from?: Date | null;
  to?: Date | null;
  first?: number | null;
  after?: string | null;
}

/**
 * Checks the arguments every history query shares; bad ones are BAD_USER_INPUT naming the field.
 * An empty `after` is no cursor, as in every other list.
 */
export function timePage({ list, from = null, to = null, first, after = null }: TimePageArgs): ListPage {
  const size = first ?? DEFAULT_PAGE;
  pageSize(size, MAX_PAGE);
  if (from && to) requireTimeRange(from, to);
  return { list, from, to, first: size, ascending: from !== null, after: after ? decodeTimeCursor(list, after) : null };
}

/** Opaque to clients: the list and the time of the last item seen. */
export function encodeTimeCursor(list: string, time: Date): string {
  return Buffer.from(`${list} ${time.toISOString()}`).toString('base64url');
}

/**
 * Only what `encodeTimeCursor` wrote for this list: another list's cursor, or any other text a
 * Date would parse ("2024", "1"), is no position of ours.
 */
function decodeTimeCursor(list: string, cursor: string): Date {
  const text = Buffer.from(cursor.slice(0, 96), 'base64url').toString('utf8');
  const time = new Date(text.startsWith(`${list} `) ? text.slice(list.length + 1) : Number.NaN);
  // Base64url decoding skips characters it does not know: only the very text encodeTimeCursor writes is taken.
  if (cursor.length > 96 || !isStorableTime(time) || encodeTimeCursor(list, time) !== cursor) throw new BadUserInputError('Invalid cursor', 'after');
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
export function toConnection<T>(rows: T[], page: ListPage, timeOf: (row: T) => Date): Connection<T> {
  const nodes = rows.slice(0, page.first);
  const edges = nodes.map((node) => ({ node, cursor: encodeTimeCursor(page.list, timeOf(node)) }));
  return { edges, nodes, pageInfo: pageInfoOf(edges, rows.length > page.first, page.after !== null) };
}
