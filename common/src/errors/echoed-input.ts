/** The most characters of a client's input an error message repeats. */
const MAX_ECHOED = 64;

/**
 * A client's input as an error message repeats it: whole when short, else its start and "…".
 * A refusal says what was wrong without sending 10,000 characters back (or into the logs).
 */
export function echoedInput(text: string, max = MAX_ECHOED): string {
  // Characters are never fewer than UTF-16 units: a text that short is whole.
  if (text.length <= max) return text;
  const characters = [...text];
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : text;
}
