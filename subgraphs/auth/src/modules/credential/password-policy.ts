import { dictionary } from '@zxcvbn-ts/language-common';
import { BadUserInputError } from '@herck/common';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

const COMMON_PASSWORDS = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()));

/**
 * NIST 800-63B style: long enough, never truncated (too long is refused, not
 * cut), and not a password attackers try first.
 */
export function assertAcceptablePassword(password: string, personal: string[] = []): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(`Password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`, 'password');
  }
  const lowered = password.toLowerCase();
  const weak =
    COMMON_PASSWORDS.has(lowered) ||
    new Set(password).size < 4 ||
    personal.some((word) => word.length >= 3 && lowered.includes(word.toLowerCase()));
  if (weak) {
    throw new BadUserInputError('This password is too common or too easy to guess; choose another', 'password');
  }
}
