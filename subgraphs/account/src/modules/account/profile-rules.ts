import { BadUserInputError, requireLength } from '@herck/common';

const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;

/**
 * Words of letters and digits (`Louis 14`, `User1`) separated by single spaces, hyphens,
 * apostrophes or a comma and a space (`Smith, Jr.`); a word may end in a dot (an initial).
 * No symbols or control characters, and a dot only ends a word, so a name cannot carry a
 * link, an address or a second line into a mail greeting.
 */
const PERSONAL_NAME = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}]*\.?(?:(?:[ '’-]|, )[\p{L}\p{N}][\p{L}\p{M}\p{N}]*\.?)*$/u;

export function validUsername(value: string): string {
  const username = value.trim();
  if (!USERNAME.test(username)) {
    throw new BadUserInputError('Username must be 3 to 64 letters, digits, dots, dashes or underscores', 'username');
  }
  return username;
}

export function validName(value: string, field: 'firstName' | 'lastName'): string {
  const name = requireLength(value, field, 1, 100);
  if (!isPersonalName(name)) {
    throw new BadUserInputError(`${field} may only contain letters and digits, single spaces, hyphens, apostrophes, a comma before a space and the dot of an initial`, field);
  }
  return name;
}

export function isPersonalName(value: string): boolean {
  return PERSONAL_NAME.test(value);
}
