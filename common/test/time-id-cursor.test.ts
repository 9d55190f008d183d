import { BadUserInputError, decodeTimeIdCursor, encodeTimeIdCursor } from '../src';

const ID = '0b6f3c1e-2d4a-4c8e-9f10-1a2b3c4d5e6f';
const TIME = '2026-01-10T00:00:00.000Z';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function refusal(list: string, cursor: string): { cursor: string; refused: boolean } {
  let refused: unknown;
  try {
    decodeTimeIdCursor(list, cursor);
  } catch (error) {
    refused = error;
  }
  return { cursor, refused: refused instanceof BadUserInputError && refused.extensions.field === 'after' };
}

describe('a time-and-id cursor', () => {
  it('names the position it was made for', () => {
    const time = new Date(TIME);
    expect(decodeTimeIdCursor('alerts', encodeTimeIdCursor('alerts', time, ID))).toEqual({ time, id: ID });
  });

  it('is refused unless it is exactly what the list wrote: BAD_USER_INPUT on `after`', () => {
    const written = encodeTimeIdCursor('alerts', new Date(TIME), ID);
    // Each was taken as a position: Date reads "1" as 2001 and "Jan 11 2026" as a day, base64url
    // decoding skips characters it does not know, and JSON ignores the space around a value.
    for (const cursor of [
      encode(['alerts', '1', ID]),
      encode(['alerts', 'Jan 11 2026', ID]),
      encode(['alerts', TIME, ID, 'more']),
      `${written}!!!`,
      ` ${written} `,
      '',
    ]) {
      expect(refusal('alerts', cursor)).toEqual({ cursor, refused: true });
    }
  });

  it("is refused by another list, and without a list's name, rather than taken as a position in it", () => {
    for (const cursor of [encodeTimeIdCursor('notifications', new Date(TIME), ID), encode([TIME, ID])]) {
      expect(refusal('alerts', cursor)).toEqual({ cursor, refused: true });
    }
  });
});
