import { BadUserInputError, requireLength } from '@herck/common';

export const MAX_USERNAME_LENGTH = 64;
const USERNAME = new RegExp(`^[A-Za-z0-9._-]{3,${MAX_USERNAME_LENGTH}}$`);

/**
 * Words of letters and digits (`Louis 14`, `User1`) separated by single spaces, hyphens,
 * apostrophes or a comma and a space (`Smith, Jr.`); a word may end in a dot (an initial).
 * No symbols or control characters, and a dot only ends a word, so a name cannot carry a
 * link, an address or a second line into a mail greeting; and at most MAX_NAME_DIGITS digits
 * (0–9), so not a phone number either.
 */
const PERSONAL_NAME = /^[\p{L}0-9][\p{L}\p{M}0-9]*\.?(?:(?:[ '’-]|, )[\p{L}0-9][\p{L}\p{M}0-9]*\.?)*$/u;
const MAX_NAME_DIGITS = 4;

export function validUsername(value: string): string {
  const username = value.trim();
  if (!USERNAME.test(username)) {
    throw new BadUserInputError(`Username must be 3 to ${MAX_USERNAME_LENGTH} Latin letters (a–z, A–Z), digits, dots, dashes or underscores`, 'username');
  }
  return username;
}

export function validName(value: string, field: 'firstName' | 'lastName'): string {
  const name = requireLength(value, field, 1, 100);
  if (!isPersonalName(name)) {
    throw new BadUserInputError(`${field} may only contain letters, up to ${MAX_NAME_DIGITS} digits, single spaces, hyphens, apostrophes, a comma before a space and the dot of an initial`, field);
  }
  return name;
}

export function isPersonalName(value: string): boolean {
  return PERSONAL_NAME.test(value) && (value.match(/[0-9]/g)?.length ?? 0) <= MAX_NAME_DIGITS;
}
