import { BadUserInputError } from '../errors/app-errors';

/** `from` … `to` of a query: `from` after `to` is BAD_USER_INPUT on `from` (equal times are one instant). */
export function requireTimeRange(from: Date, to: Date): void {
  if (from.getTime() > to.getTime()) throw new BadUserInputError('from must not be after to', 'from');
}
