import { BadUserInputError } from '../errors/app-errors';

/** No list in any subgraph gives a larger page (market's histories); most stop at 100. */
export const LARGEST_PAGE_SIZE = 1000;

/** The page size when `first` is left out or null. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * `first` of a list query: a whole number from 1 to `max`, else BAD_USER_INPUT
 * on `first`; left out or null, `fallback` (the argument is `first: Int = 20`).
 */
export function pageSize(first: number | null | undefined, max = 100, fallback = DEFAULT_PAGE_SIZE): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw new BadUserInputError(`first must be between 1 and ${max}`, 'first');
  return size;
}
