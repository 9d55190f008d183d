import { BadUserInputError, requireLength } from '@herck/common';

const USERNAME = /^[A-Za-z0-9._-]{3,32}$/;

export function validUsername(value: string): string {
  const username = value.trim();
  if (!USERNAME.test(username)) {
    throw new BadUserInputError('Username must be 3 to 32 letters, digits, dots, dashes or underscores', 'username');
  }
  return username;
}

export function validName(value: string, field: 'firstName' | 'lastName'): string {
  return requireLength(value, field, 1, 100);
}
