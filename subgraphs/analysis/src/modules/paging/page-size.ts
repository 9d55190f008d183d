import { BadUserInputError } from '@herck/common';

export const MAX_PAGE = 100;

/** `first` of a list query: 1 to 100. */
export function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE}`, 'first');
  return first;
}
