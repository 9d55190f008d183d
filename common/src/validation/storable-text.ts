/** The NUL character, which PostgreSQL's text cannot hold. */
const NUL = '\u0000';
/** A UTF-16 surrogate not paired with its other half (with the `u` flag, pairs are read as one code point). */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/**
 * Why `text` cannot be stored as written, or null when it can: GraphQL and JSON allow a NUL
 * character and unpaired surrogates, but PostgreSQL's text holds no NUL (a subgraph storing or
 * searching it failed with an internal error), and UTF-8 has no surrogates (each one was stored
 * as U+FFFD, so the text read back was not the text written, and two passwords ending in
 * different unpaired surrogates were one password).
 */
export function unstorableText(text: string): string | null {
  if (text.includes(NUL)) return 'may not contain the NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'may not contain an unpaired surrogate (half of a UTF-16 pair): it is not Unicode text';
  return null;
}
