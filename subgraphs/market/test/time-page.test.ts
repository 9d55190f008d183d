import { BadUserInputError } from '@herck/common';
import { encodeTimeCursor, timePage } from '../src/modules/paging/time-page';

describe("a history list's cursor", () => {
  const time = new Date('2026-01-10T00:00:00.000Z');

  it('continues after the time it was written for', () => {
    expect(timePage({ first: 10, after: encodeTimeCursor(time) }).after).toEqual(time);
    // Empty, as every other list takes it: the first page.
    expect(timePage({ first: 10, after: '' }).after).toBeNull();
  });

  it('is refused, BAD_USER_INPUT on `after`, unless it is exactly what the list wrote', () => {
    // Base64url decoding skips characters it does not know: the junk after a real cursor went unseen.
    for (const after of [`${encodeTimeCursor(time)}!!!`, Buffer.from('2026').toString('base64url'), 'nope']) {
      expect(() => timePage({ first: 10, after })).toThrow(BadUserInputError);
    }
  });
});
