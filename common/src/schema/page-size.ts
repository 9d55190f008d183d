import { BadUserInputError } from '../errors/app-errors';

/** `first` of a list query: a whole number from 1 to `max`, else BAD_USER_INPUT on `first`. */
export function pageSize(first: number, max = 100): number {
  if (!Number.isInteger(first) || first < 1 || first > max) throw new BadUserInputError(`first must be between 1 and ${max}`, 'first');
  return first;
}
