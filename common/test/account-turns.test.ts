import { AccountTurns } from '../src/concurrency/account-turns';

/** Jobs that run until the test ends them: what started, in order, and on which slot. */
function scripted(turns: AccountTurns) {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const slots = new Map<string, number>();
  const finished: string[] = [];
  const submit = (account: string, name: string) =>
    turns
      .run(account, (slot) => {
        started.push(name);
        slots.set(name, slot);
        return new Promise<string>((resolve) => finish.set(name, () => resolve(name)));
      })
      .then((result) => finished.push(result));
  /** Ends a running job and lets the next ones start. */
  const end = async (name: string) => {
    finish.get(name)!();
    // The job's promise, the queue's `finally` and the next job's start all settle before the next macrotask.
    await new Promise(setImmediate);
  };
  return { started, finished, slots, submit, end };
}

describe('backtests take turns', () => {
  it('one at a time per account, in the order sent, accounts in turn', async () => {
    const run = scripted(new AccountTurns(1));
    // One account sends three (aliases of one query), then two others one each.
    for (const name of ['a1', 'a2', 'a3']) void run.submit('a', name);
    void run.submit('b', 'b1');
    void run.submit('c', 'c1');
    void run.submit('b', 'b2');
    expect(run.started).toEqual(['a1']);
    for (const name of ['a1', 'b1', 'c1', 'a2', 'b2']) await run.end(name);
    // After a's first, b and c (which waited during it) come before a's second; nobody is refused.
    expect(run.started).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    await run.end('a3');
    expect(run.finished).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('keep an account to one slot while another account uses the other', async () => {
    const run = scripted(new AccountTurns(2));
    void run.submit('a', 'a1');
    void run.submit('a', 'a2');
    void run.submit('b', 'b1');
    await Promise.resolve();
    // a2 waits for a1 although a slot is free; b1 takes it.
    expect(run.started).toEqual(['a1', 'b1']);
    expect(new Set([run.slots.get('a1'), run.slots.get('b1')])).toEqual(new Set([0, 1]));
    void run.submit('c', 'c1');
    await run.end('b1');
    // b1's slot goes to c, which waited longer for its turn than a's second.
    expect(run.started).toEqual(['a1', 'b1', 'c1']);
    expect(run.slots.get('c1')).toBe(run.slots.get('b1'));
    await run.end('a1');
    expect(run.started).toEqual(['a1', 'b1', 'c1', 'a2']);
    expect(run.slots.get('a2')).toBe(run.slots.get('a1'));
  });

  it('answer a job’s failure to its caller and go on with the next', async () => {
    const turns = new AccountTurns(1);
    const failed = turns.run('a', async () => {
      throw new Error('no such strategy');
    });
    const next = turns.run('a', async () => 'replayed');
    await expect(failed).rejects.toThrow('no such strategy');
    await expect(next).resolves.toBe('replayed');
  });

  it('drop a waiting job whose caller gave up: the account’s next job takes its turn', async () => {
    const turns = new AccountTurns(1);
    const started: string[] = [];
    let endFirst!: () => void;
    const first = turns.run('a', () => new Promise<string>((resolve) => (endFirst = () => resolve('first'))));
    const caller = new AbortController();
    const gaveUp = turns.run('a', async () => void started.push('second'), caller.signal);
    const third = turns.run('a', async () => void started.push('third'));
    expect(turns.pending('a')).toBe(3);
    caller.abort(new Error('the client went away'));
    await expect(gaveUp).rejects.toThrow('the client went away');
    // Dropped at once, not when its turn comes.
    expect(turns.pending('a')).toBe(2);
    endFirst();
    await expect(first).resolves.toBe('first');
    await third;
    expect(started).toEqual(['third']);
    // The line lets go of a job once its caller has the answer.
    await new Promise(setImmediate);
    expect(turns.pending('a')).toBe(0);
  });

  it('start no job whose caller has already gone', async () => {
    const turns = new AccountTurns(1);
    const gone = new AbortController();
    gone.abort(new Error('the client went away'));
    let ran = false;
    await expect(turns.run('a', async () => void (ran = true), gone.signal)).rejects.toThrow('the client went away');
    expect(ran).toBe(false);
    expect(turns.pending('a')).toBe(0);
  });
});
