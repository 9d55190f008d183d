import { BadUserInputError, decodeTimeIdCursor, encodeTimeIdCursor } from '../src';

const ID = '0b6f3c1e-2d4a-4c8e-9f10-1a2b3c4d5e6f';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('a time-and-id cursor', () => {
  it('names the position it was made for', () => {
    const time = new Date('2026-01-10T00:00:00.000Z');
    expect(decodeTimeIdCursor(encodeTimeIdCursor(time, ID))).toEqual({ time, id: ID });
  });

  it('is refused unless it is exactly what the list wrote: BAD_USER_INPUT on `after`', () => {
    const written = encodeTimeIdCursor(new Date('2026-01-10T00:00:00.000Z'), ID);
    // Each was taken as a position: Date reads "1" as 2001 and "Jan 11 2026" as a day, base64url
    // decoding skips characters it does not know, and JSON ignores the space around a value.
    for (const cursor of [
      encode(['1', ID]),
      encode(['Jan 11 2026', ID]),
      encode(['2026-01-10T00:00:00.000Z', ID, 'more']),
      `${written}!!!`,
      ` ${written} `,
      '',
    ]) {
      let refused: unknown;
      try {
        decodeTimeIdCursor(cursor);
      } catch (error) {
        refused = error;
      }
      expect({ cursor, refused: refused instanceof BadUserInputError && refused.extensions.field === 'after' }).toEqual({ cursor, refused: true });
    }
  });
});
