import { BACKTEST_RETRY_AFTER_SECONDS, BacktestWork } from '../src/modules/backtest/backtest-work';

/** What an account may have under way, in backtests of the largest size allowed. */
describe('an account’s backtest work', () => {
  const refusal = (attempt: () => unknown) => {
    try {
      attempt();
    } catch (error) {
      return (error as { extensions?: Record<string, unknown> }).extensions;
    }
    return 'admitted';
  };

  it('admits backtests up to the bound together and refuses the one that would pass it, with when to ask again', () => {
    const work = new BacktestWork(2);
    work.admit('a', 0.9);
    work.admit('a', 0.9);
    expect(refusal(() => work.admit('a', 0.3))).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: BACKTEST_RETRY_AFTER_SECONDS });
    // What is refused takes nothing: a smaller one still fits.
    expect(refusal(() => work.admit('a', 0.2))).toBe('admitted');
    expect(work.of('a')).toBeCloseTo(2, 9);
  });

  it('gives work back when a backtest ends, once however often it is told', () => {
    const work = new BacktestWork(1);
    const first = work.admit('a', 0.5);
    work.admit('a', 0.4);
    expect(refusal(() => work.admit('a', 0.2))).toMatchObject({ code: 'RATE_LIMITED' });
    first();
    first();
    // Only the first's half came back: the other's 0.4 still counts.
    expect(work.of('a')).toBeCloseTo(0.4, 9);
    expect(refusal(() => work.admit('a', 0.7))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refusal(() => work.admit('a', 0.6))).toBe('admitted');
  });

  it('never refuses short backtests asked side by side, and keeps accounts apart', () => {
    const work = new BacktestWork(1);
    // A thousand backtests of a hundred candles each (a six-thousandth of the largest allowed each).
    for (let i = 0; i < 1_000; i += 1) work.admit('a', 100 / 600_000);
    work.admit('b', 1);
    expect(refusal(() => work.admit('b', 0.01))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refusal(() => work.admit('c', 1))).toBe('admitted');
  });
});
