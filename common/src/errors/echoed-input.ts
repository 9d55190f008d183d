/** The most characters of a client's input an error message repeats. */
const MAX_ECHOED = 64;

/**
 * A client's input as an error message repeats it: whole when short, else its start and "…".
 * A refusal says what was wrong without sending 10,000 characters back (or into the logs).
 */
export function echoedInput(text: string): string {
  const characters = [...text];
  return characters.length > MAX_ECHOED ? `${characters.slice(0, MAX_ECHOED).join('')}…` : text;
}
