/** What work rejects with when its caller went away before it ended: the signal's own reason, or a plain error. */
export function abandoned(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('The caller went away');
}

/**
 * `work`'s outcome, or a rejection with `signal`'s reason as soon as it aborts: for a caller that
 * stops waiting for work it cannot stop itself (a query under way), so that what comes after it does not run.
 */
export function unlessAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abandoned(signal));
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(abandoned(signal));
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}
