import { BadUserInputError } from '@herck/common';
import { assertAcceptablePassword } from '../src/modules/credential/password-policy';

const refused = (password: string, personal?: string[]) => {
  try {
    assertAcceptablePassword(password, personal);
    return false;
  } catch (error) {
    return error instanceof BadUserInputError;
  }
};

describe('the password policy', () => {
  it('refuses common passwords, also with digits or symbols added, look-alikes swapped in or written twice', () => {
    const guessable = ['password1234', 'Password123!', 'P@ssw0rd1234', 'iloveyou1234', 'welcome12345', 'monkey123456', 'trustno1trustno1', 'letmeinletmein', 'iloveyouiloveyou', 'abc123abc123', 'password1!password1!', '!!Dragon2024!!'];
    expect(guessable.filter((password) => !refused(password))).toEqual([]);
  });

  it('refuses runs of keys or characters and too few distinct characters', () => {
    const runs = ['123456789012', '1234567890123', 'qwertyuiopasdfgh', 'hgfdsapoiuytrewq', 'abcdefghijklm', '1qaz2wsx3edc', 'aaaaaaaaaaaaaaaa', 'abcabcabcabc'];
    expect(runs.filter((password) => !refused(password))).toEqual([]);
  });

  it('refuses the account’s own name in it, and lengths outside 12 to 128 characters', () => {
    expect(refused('ada-lovelace-rocks-1815', ['ada-lovelace'])).toBe(true);
    expect(refused('short-Pass1')).toBe(true);
    expect(refused('x'.repeat(60) + 'Y'.repeat(69))).toBe(true);
  });

  it('accepts long passphrases and random strings, counted in characters', () => {
    const strong = ['plum-Orbit-7-lantern-Quiet', 'first-Admin-passphrase-42', 'correct horse battery staple', 'Xk9#mP2$vL5@qR', '8273645190283746', 'another-Long-passphrase-9', '🔑🔐🗝🔒🔓🛡🧩🎲🌵🍀🚀🌙'];
    expect(strong.filter((password) => refused(password))).toEqual([]);
  });

  it('holds the first admin’s password to the list itself, as earlier versions did, so an existing installation still starts', () => {
    const asAdmin = (password: string) => {
      try {
        assertAcceptablePassword(password, [], { variants: false });
        return false;
      } catch (error) {
        return error instanceof BadUserInputError;
      }
    };
    expect(['password1234', 'aaaaaaaaaaaa', 'short'].map(asAdmin)).toEqual([true, true, true]);
    expect(['Password123!', 'letmeinletmein', 'first-Admin-passphrase-42'].map(asAdmin)).toEqual([false, false, false]);
  });
});
