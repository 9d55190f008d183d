import { BadUserInputError } from '../errors/app-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A practical email check: one mailbox (`local@domain`), a dotted domain of letters, digits and
 * hyphens in labels of at most 63 characters (DNS's bound: a longer one names no host), and a
 * local part of at most 64 characters made of dot-separated runs of letters, digits and
 * RFC 5322's other atom characters: no space, control or invisible character, no
 * leading, trailing or doubled dot (a mailer quotes such a part, which makes another address).
 * Nothing a mailer would read as more than one address or as a display name
 * (`a<victim@example.com>`, `victim@example.com(c)`, `g:victim@example.com;`): each such
 * spelling would be a mailbox of its own to the mail limits while reaching the same inbox.
 */
const ATOM = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
const EMAIL = new RegExp(`^(?=[^@]{1,64}@)${ATOM}(?:\\.${ATOM})*@(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?\\.)+[\\p{L}\\p{N}-]{2,63}$`, 'u');

export function normaliseEmail(value: string, field = 'email'): string {
  const email = value.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw new BadUserInputError('Enter a valid email address', field);
  return email;
}

/** Characters (code points), as limits are documented: an emoji is one, where `length` counts two UTF-16 units. */
export function characterLength(text: string): number {
  return [...text].length;
}

export function requireLength(value: string, field: string, min: number, max: number): string {
  const trimmed = value.trim();
  const length = characterLength(trimmed);
  if (length < min || length > max) {
    throw new BadUserInputError(`${field} must be ${min === max ? min : `${min} to ${max}`} characters long`, field);
  }
  return trimmed;
}

/** Control characters (C0, DEL, C1): a name is one line of visible text. */
const CONTROL = /\p{Cc}/u;
/** The same, but for line breaks and tabs, which a note may hold. */
const CONTROL_BUT_LAYOUT = /(?![\t\n\r])\p{Cc}/u;

/** Characters that turn the text after them around on screen (bidirectional overrides and isolates): `gpj.exe` shown as `exe.jpg`. */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
/** Text with nothing to see: spaces and invisible format characters (zero-width space, joiners, marks) only. */
const NOTHING_VISIBLE = /^[\s\p{Cf}]*$/u;

/**
 * Free text a person gave a name or a note, trimmed and of `min` to `max` characters, without
 * control characters (line breaks and tabs only in `multiline` text) or bidirectional overrides:
 * a name goes into mail subjects and one-line lists, where a line break, an escape sequence or
 * text shown backwards would forge or garble them. Text required (`min` above 0) must show something.
 */
export function requireText(value: string, field: string, min: number, max: number, { multiline = false } = {}): string {
  const text = requireLength(value, field, min, max);
  if ((multiline ? CONTROL_BUT_LAYOUT : CONTROL).test(text) || BIDI_CONTROL.test(text)) {
    throw new BadUserInputError(`${field} may not contain control characters${multiline ? ' other than line breaks and tabs' : ''}`, field);
  }
  if (min > 0 && NOTHING_VISIBLE.test(text)) throw new BadUserInputError(`${field} must show at least one character`, field);
  return text;
}

/** Longest text a list's `search` takes: far beyond any name, short enough to keep a LIKE pattern cheap. */
export const MAX_SEARCH_LENGTH = 100;

/**
 * A list's search text without surrounding spaces, as every name argument is taken (null when
 * absent or blank: no search); longer than MAX_SEARCH_LENGTH is BAD_USER_INPUT, not cut.
 */
export function searchText(value: string | null | undefined, field = 'search'): string | null {
  const text = value?.trim();
  if (!text) return null;
  if (characterLength(text) > MAX_SEARCH_LENGTH) throw new BadUserInputError(`${field} is at most ${MAX_SEARCH_LENGTH} characters long`, field);
  return text;
}

export function requireUuid(value: string, field = 'id'): string {
  if (!isUuid(value)) throw new BadUserInputError(`${field} is not a valid id`, field);
  return value;
}
