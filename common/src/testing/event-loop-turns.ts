/**
 * How many times the caller's event loop came round while `work` was under way: 0 when the work
 * held the thread from start to end, many when it ran elsewhere (a worker thread) and this thread
 * was free meanwhile. A count, not a time, so it holds on a loaded machine.
 */
export async function eventLoopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const turn = (): void => {
    if (done) return;
    turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  await work();
  done = true;
  return turns;
}
