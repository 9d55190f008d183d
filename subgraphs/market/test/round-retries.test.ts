import { GaveUp, RetryNotice, retryWithinRound } from '../src/modules/ingestion/round-retries';
import { ProviderError, ProviderRound } from '../src/modules/provider/market-provider';
import { ProviderHttpError } from '../src/modules/provider/provider-http';

/** Trying again within a round (a provider, the round's write): which failures, how often, how long apart, and never past its time. */
const ANSWER: ProviderRound = { quotes: [], global: null, fx: [] };
const blip = () => new ProviderError('flaky', 'GET /quotes failed: ECONNRESET', null, true);
/** As the round asks a provider: a ProviderError that says it may pass. */
const mayPass = (error: unknown) => error instanceof ProviderError && error.transient;

/** A provider that throws `failures` in turn, then answers; counts its calls. */
function scripted(...failures: unknown[]): { ask: () => Promise<ProviderRound>; calls: () => number } {
  let calls = 0;
  return {
    ask: async () => {
      const failure = failures[calls];
      calls += 1;
      if (failure) throw failure;
      return ANSWER;
    },
    calls: () => calls,
  };
}

async function gaveUp(promise: Promise<unknown>): Promise<GaveUp> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof GaveUp)) throw new Error(`expected the provider to be given up on, got ${String(outcome)}`);
  return outcome;
}

const farDeadline = () => Date.now() + 60_000;

it('asks again after failures that may pass, waiting about twice as long each time, and says on which attempt it answered', async () => {
  const provider = scripted(blip(), blip());
  const notices: RetryNotice[] = [];
  const started = performance.now();

  const answered = await retryWithinRound(provider.ask, { mayPass, policy: { attempts: 3, firstRetryMs: 40 }, deadlineAt: farDeadline(), onRetry: (notice) => notices.push(notice) });

  expect(answered).toEqual({ value: ANSWER, attempts: 3 });
  expect(provider.calls()).toBe(3);
  expect(notices.map(({ attempt, reason }) => ({ attempt, reason }))).toEqual([
    { attempt: 1, reason: 'flaky: GET /quotes failed: ECONNRESET' },
    { attempt: 2, reason: 'flaky: GET /quotes failed: ECONNRESET' },
  ]);
  // The first wait is 20–40 ms, the second 40–80 ms (up to half taken off at random).
  expect(notices[0]!.waitMs).toBeGreaterThanOrEqual(20);
  expect(notices[0]!.waitMs).toBeLessThanOrEqual(40);
  expect(notices[1]!.waitMs).toBeGreaterThanOrEqual(40);
  expect(notices[1]!.waitMs).toBeLessThanOrEqual(80);
  // It did wait (timers may fire a millisecond early).
  expect(performance.now() - started).toBeGreaterThanOrEqual(notices[0]!.waitMs + notices[1]!.waitMs - 2);
});

it('asks once when the failure would come back the same: a refusal, a Retry-After, an error document, a bug', async () => {
  const permanent = [
    new ProviderError('strict', 'malformed answer: price is not a decimal'),
    new ProviderHttpError('strict', 'GET /quotes: HTTP 401: invalid key', 401, null, null),
    new ProviderHttpError('strict', 'GET /quotes: HTTP 429', 429, null, 60),
    new ProviderHttpError('strict', 'GET /quotes: HTTP 503', 503, null, 30),
    new ProviderHttpError('strict', 'GET /quotes: unknown symbol', 200, null, null),
    new TypeError('cannot read properties of undefined'),
  ];
  for (const failure of permanent) {
    const provider = scripted(failure);
    const given = await gaveUp(retryWithinRound(provider.ask, { mayPass, policy: { attempts: 3, firstRetryMs: 1 }, deadlineAt: farDeadline(), onRetry: () => undefined }));
    expect({ calls: provider.calls(), attempts: given.attempts, failure: given.failure }).toEqual({ calls: 1, attempts: 1, failure });
  }
});

it('stops at its number of attempts, with the last failure', async () => {
  const last = blip();
  const provider = scripted(blip(), last, blip());

  const given = await gaveUp(retryWithinRound(provider.ask, { mayPass, policy: { attempts: 2, firstRetryMs: 1 }, deadlineAt: farDeadline(), onRetry: () => undefined }));

  expect(provider.calls()).toBe(2);
  expect(given.attempts).toBe(2);
  expect(given.failure).toBe(last);
});

it("never waits past the provider's time for the round, nor once the round has called it off", async () => {
  // The first wait (50–100 ms) would end after the deadline, 30 ms away.
  const late = scripted(blip(), blip());
  const tooLate = await gaveUp(retryWithinRound(late.ask, { mayPass, policy: { attempts: 3, firstRetryMs: 100 }, deadlineAt: Date.now() + 30, onRetry: () => undefined }));
  expect({ calls: late.calls(), attempts: tooLate.attempts }).toEqual({ calls: 1, attempts: 1 });

  // Called off during the wait: no further attempt.
  const round = new AbortController();
  const waiting = scripted(blip(), blip());
  const calledOff = retryWithinRound(waiting.ask, { mayPass, policy: { attempts: 3, firstRetryMs: 10_000 }, deadlineAt: farDeadline(), signal: round.signal, onRetry: () => round.abort() });
  const given = await gaveUp(calledOff);
  expect({ calls: waiting.calls(), attempts: given.attempts }).toEqual({ calls: 1, attempts: 1 });
});
