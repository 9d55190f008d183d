import { BadUserInputError } from '@herck/common';
import { encodeTimeCursor, timePage } from '../src/modules/paging/time-page';

describe("a history list's cursor", () => {
  const time = new Date('2026-01-10T00:00:00.000Z');

  it('continues after the time it was written for', () => {
    expect(timePage({ list: 'ticks', first: 10, after: encodeTimeCursor('ticks', time) }).after).toEqual(time);
    // Empty, as every other list takes it: the first page.
    expect(timePage({ list: 'ticks', first: 10, after: '' }).after).toBeNull();
  });

  it('is refused, BAD_USER_INPUT on `after`, unless it is exactly what the list wrote', () => {
    // Base64url decoding skips characters it does not know: the junk after a real cursor went unseen.
    // Another list's cursor, or one without a list's name, was taken as a position too.
    const others = [encodeTimeCursor('candles', time), Buffer.from(time.toISOString()).toString('base64url'), Buffer.from('ticks 2026').toString('base64url')];
    for (const after of [`${encodeTimeCursor('ticks', time)}!!!`, Buffer.from('2026').toString('base64url'), 'nope', ...others]) {
      expect({ after, refused: refused(() => timePage({ list: 'ticks', first: 10, after })) }).toEqual({ after, refused: true });
    }
  });
});

function refused(read: () => unknown): boolean {
  try {
    read();
    return false;
  } catch (error) {
    return error instanceof BadUserInputError && error.extensions.field === 'after';
  }
}
