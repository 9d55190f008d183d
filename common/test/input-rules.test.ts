import { BadUserInputError } from '../src/errors/app-errors';
import { normaliseEmail, requireText, searchText } from '../src/validation/input-rules';

describe('normaliseEmail', () => {
  it('takes one mailbox, trimmed, as typed', () => {
    for (const email of ['ada@example.com', 'Ada.Lovelace+herck@mail.example.co.uk', "o'brien@example.ie", 'élodie.durand@exemple.fr', `${'a'.repeat(64)}@example.com`, 'x_y-z=1@example-mail.com']) {
      expect(normaliseEmail(` ${email} `)).toBe(email);
    }
  });

  it('refuses control and invisible characters, stray dots and a local part over 64 characters: no mail could reach the registrant', () => {
    for (const email of ['bell\u0007@example.com', 'nu\u0001l@example.com', 'del\u007f@example.com', 'zw\u200b@example.com', 'a..b@example.com', '.a@example.com', 'a.@example.com', `${'a'.repeat(65)}@example.com`]) {
      expect(() => normaliseEmail(email)).toThrow(new BadUserInputError('Enter a valid email address', 'email'));
    }
  });

  it('takes domain labels up to 63 characters, DNS\'s bound, and refuses longer ones: no host has such a name', () => {
    expect(normaliseEmail(`z8@${'a'.repeat(63)}.com`)).toBe(`z8@${'a'.repeat(63)}.com`);
    for (const email of [`z8@${'a'.repeat(64)}.com`, `z8@${'a'.repeat(70)}.com`, `z8@example.${'c'.repeat(64)}`]) {
      expect(() => normaliseEmail(email)).toThrow(new BadUserInputError('Enter a valid email address', 'email'));
    }
  });

  it('refuses what a mailer reads as several addresses or a display name', () => {
    for (const email of ['a<victim@example.com>', 'victim@example.com(c)', 'g:victim@example.com;', '"a b"@example.com', 'a@b@example.com', 'a@example', 'a b@example.com', '@example.com']) {
      expect(() => normaliseEmail(email)).toThrow(BadUserInputError);
    }
  });
});

describe('searchText', () => {
  it('takes up to 100 characters, counted as characters, and refuses longer text rather than cut it', () => {
    expect(searchText(undefined)).toBeNull();
    expect(searchText('é'.repeat(100))).toBe('é'.repeat(100));
    expect(() => searchText('a'.repeat(101))).toThrow(new BadUserInputError('search is at most 100 characters long', 'search'));
  });
});

describe('requireText', () => {
  it('takes names of any script, emoji (joined ones too) and a note on several lines', () => {
    for (const name of ['Long ETH', 'Épargne 2026', '李的组合', 'سبد من', '👨‍👩‍👧 fund']) expect(requireText(name, 'name', 1, 100)).toBe(name);
    expect(requireText('first line\nsecond\tline', 'note', 0, 500, { multiline: true })).toBe('first line\nsecond\tline');
  });

  it('refuses a name with nothing to see, or one that turns its text around on screen', () => {
    for (const name of ['\u200b', ' \u200b\u200d ', '\u202eabc', 'abc\u2066def', 'a\u0007b']) {
      expect(() => requireText(name, 'name', 1, 100)).toThrow(BadUserInputError);
    }
  });
});
