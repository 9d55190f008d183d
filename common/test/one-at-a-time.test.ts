import { OneAtATime } from '../src';

describe('one at a time per key', () => {
  it('runs the tasks of one key one after the other, also after a failure, and other keys side by side', async () => {
    const queue = new OneAtATime();
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run('a', async () => {
      events.push('a1 start');
      await held;
      events.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = queue.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const other = queue.run('b', async () => {
      events.push('b1');
      return 'b';
    });
    expect([queue.pending('a'), queue.pending('b'), queue.pending('c')]).toEqual([2, 1, 0]);
    await expect(other).resolves.toBe('b');
    // b ran while a1 was held; a2 waits for a1.
    expect(events).toEqual(['a1 start', 'b1']);
    release();
    await expect(first).rejects.toThrow('a1 failed');
    await expect(second).resolves.toBe(2);
    expect(events).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    expect([queue.pending('a'), queue.pending('b')]).toEqual([0, 0]);
  });
});
