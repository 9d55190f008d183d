/**
 * The words a log entry is found by, made here rather than by PostgreSQL's word parser, which keeps
 * hosts, URLs, paths and e-mail addresses whole (`coingecko` did not find `https://api.coingecko.com/…`)
 * and, in a database of the C locale (the embedded one), lowercases ASCII letters only (`échec` did not
 * find `Échec`). A search's words are made the same way, so both sides always agree.
 */

/** Lower case in every script, and each run of anything but letters, digits and combining marks one space. */
export function searchWords(text: string): string {
  return text.toLowerCase().replace(NOT_WORD, ' ').trim();
}

const NOT_WORD = /[^\p{L}\p{N}\p{M}]+/gu;

/** The text an entry's words are indexed from: its message, then every field's name and value, at any depth, in order. */
export function searchDocument(message: string, fields: Record<string, unknown>): string {
  const parts = [message];
  collectText(fields, parts);
  return searchWords(parts.join(' '));
}

function collectText(value: unknown, parts: string[]): void {
  if (typeof value === 'string') parts.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean') parts.push(String(value));
  else if (Array.isArray(value)) for (const item of value) collectText(item, parts);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      parts.push(key);
      collectText(item, parts);
    }
  }
}

/**
 * A web search (`word`, `"quoted phrase"`, `-excluded`, `or`) in the words `searchDocument` makes,
 * read as web searches read it: every group must match, and a group is one term, or several that
 * `or` joins (`coingecko timeout or refused` is coingecko, and timeout or refused). Each term stays
 * in web-search form for PostgreSQL's `websearch_to_tsquery`; a term that holds several words
 * (`api.coingecko.com`) becomes their phrase, so it finds them next to each other, as written. An
 * `or` with no term before or after it joins nothing. Null when no term has a word (`or` alone,
 * `!!!`), which would find nothing.
 */
export function searchGroups(text: string): string[][] | null {
  const groups: string[][] = [];
  let joinNext = false;
  for (const [, excluded, quoted, bare] of text.matchAll(TERM)) {
    if (quoted === undefined && !excluded && bare!.toLowerCase() === 'or') {
      joinNext = groups.length > 0;
      continue;
    }
    const termWords = searchWords(quoted ?? bare!);
    if (!termWords) continue;
    const term = `${excluded}${quoted !== undefined || termWords.includes(' ') ? `"${termWords}"` : termWords}`;
    if (joinNext) groups.at(-1)!.push(term);
    else groups.push([term]);
    joinNext = false;
  }
  return groups.length ? groups : null;
}

/** A term: an optional leading `-`, then a quoted phrase (its closing quote may be missing) or a run of other characters. */
const TERM = /(-?)(?:"([^"]*)"?|([^\s"]+))/gu;
