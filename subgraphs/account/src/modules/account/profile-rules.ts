import { BadUserInputError, requireLength } from '@herck/common';

const USERNAME = /^[A-Za-z0-9._-]{3,32}$/;

/**
 * Words of letters separated by single spaces, hyphens or apostrophes; a word
 * may end in a dot (an initial). No digits, symbols or control characters, so
 * a name cannot carry a link or a second line into a mail greeting.
 */
const PERSONAL_NAME = /^\p{L}[\p{L}\p{M}]*\.?(?:[ '’-]\p{L}[\p{L}\p{M}]*\.?)*$/u;

export function validUsername(value: string): string {
  const username = value.trim();
  if (!USERNAME.test(username)) {
    throw new BadUserInputError('Username must be 3 to 32 letters, digits, dots, dashes or underscores', 'username');
  }
  return username;
}

export function validName(value: string, field: 'firstName' | 'lastName'): string {
  const name = requireLength(value, field, 1, 100);
  if (!isPersonalName(name)) {
    throw new BadUserInputError(`${field} may only contain letters, single spaces, hyphens, apostrophes and the dot of an initial`, field);
  }
  return name;
}

export function isPersonalName(value: string): boolean {
  return PERSONAL_NAME.test(value);
}
