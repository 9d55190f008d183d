import { dictionary } from '@zxcvbn-ts/language-common';
import { BadUserInputError } from '@herck/common';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

const COMMON_PASSWORDS = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()));

/** Runs of keys or characters people type in order; a password inside one (either way round) is guessed early. */
const SEQUENCES = ['01234567890123456789', 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm', 'qwertzuiopasdfghjklyxcvbnm', 'azertyuiopqsdfghjklmwxcvbn', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p'].flatMap((run) => [run, [...run].reverse().join('')]);

/** Digits and symbols read as the letters they stand for (`p@ssw0rd`); `1` is tried as both i and l. */
const LEET: Record<string, string> = { '@': 'a', '4': 'a', '8': 'b', '3': 'e', '6': 'g', '!': 'i', '0': 'o', '5': 's', $: 's', '7': 't', '+': 't', '2': 'z' };
const unleet = (text: string) => ['i', 'l'].map((one) => [...text].map((char) => (char === '1' ? one : (LEET[char] ?? char))).join(''));

/** The shortest unit the text repeats (`letmeinletmein` → `letmein`), or the text itself. */
function repeatedUnit(text: string): string {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.length % size === 0 && text.slice(0, size).repeat(text.length / size) === text) return text.slice(0, size);
  }
  return text;
}

/**
 * What an attacker's list would hold for this password: the password, what is left with
 * digits and symbols taken off its ends (`Password123!` → `password`), the unit it repeats,
 * and each of those with look-alike digits and symbols read as letters.
 */
function guessableForms(lowered: string): Set<string> {
  const forms = new Set<string>();
  const unit = repeatedUnit(lowered);
  for (const form of [lowered, unit]) {
    for (const core of [form, form.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')]) {
      forms.add(core);
      for (const read of unleet(core)) forms.add(read);
    }
  }
  return forms;
}

/**
 * NIST 800-63B style: long enough, never truncated (too long is refused, not
 * cut), and not a password attackers try first: not a common password, nor one
 * with digits or symbols added, look-alikes swapped in, or written twice; not a
 * run of keys or characters; not the account's own name. `variants: false` (the first admin's
 * password, which an operator sets and every start checks again) keeps to the list itself, as
 * earlier versions did, so an installation's existing admin password still starts it.
 */
export function assertAcceptablePassword(password: string, personal: string[] = [], { variants = true }: { variants?: boolean } = {}): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(`Password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`, 'password');
  }
  const lowered = password.toLowerCase();
  const weak =
    (variants ? [...guessableForms(lowered)].some((form) => COMMON_PASSWORDS.has(form)) || SEQUENCES.some((run) => run.includes(lowered)) : COMMON_PASSWORDS.has(lowered)) ||
    new Set(password).size < 4 ||
    personal.some((word) => word.length >= 3 && lowered.includes(word.toLowerCase()));
  if (weak) {
    throw new BadUserInputError('This password is too common or too easy to guess; choose another', 'password');
  }
}
