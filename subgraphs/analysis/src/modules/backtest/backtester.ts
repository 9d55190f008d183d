import { EntityManager } from '@mikro-orm/postgresql';
import { abandoned, AccountTurns, fromWire, unlessAborted } from '@herck/common';
import { StrategyDefinition } from '../evaluation/strategy-definition';
import { Backtest } from './backtest.type';
import { backtestOf, replayBacktest } from './backtest-replay';
import { checkBacktest } from './backtest.service';
import { BacktestWork } from './backtest-work';
import { ReplayThread } from './replay-thread';
import { SeriesRead } from './series-request';
import { storedPages, storedSeries } from './stored-series';

/**
 * Runs the API's backtests off the service's own thread. A long one replays up to a million
 * ticks (30 days of them, 518,400: 2–4 s of work), and that thread also evaluates every user's
 * strategies and answers every request: replayed there, a backtest held it up to 100–200 ms at
 * a time (500 ms with four running), and nothing bounded how many ran at once, so one account's
 * backtests, sent one after another or as aliases of one query, could keep it busy for good.
 * Each replay runs on one of `threads` threads (with none, on the service's thread), which asks
 * the service's thread for each page of rows as it reaches it (series-pages.ts: as text, which
 * that thread only passes on); an account's backtests run one at a time, in the order sent, and
 * accounts take turns (AccountTurns). A backtest whose client went away (its `signal`) stops: out
 * of the line if it waits, its replay ended at its next row if it runs (at its next read on the
 * service's thread, which no abort reaches in the middle of a page). One that would take its
 * account's backtests under way past `workPerAccount` of the largest size is refused at once
 * (BacktestWork), rather than queued past the gateway's wait for analysis.
 */
export class Backtester {
  private readonly threads: ReplayThread[];
  private readonly turns: AccountTurns;

  private readonly work: BacktestWork;

  /** `workPerAccount`: an account's backtests running or waiting, in backtests of the largest size allowed (BacktestWork; no bound when omitted). */
  constructor(threads: number, workPerAccount = Number.POSITIVE_INFINITY) {
    this.threads = Array.from({ length: threads }, () => new ReplayThread());
    this.turns = new AccountTurns(Math.max(1, threads));
    this.work = new BacktestWork(workPerAccount);
  }

  /** The account's backtests running or waiting for their turn. */
  pending(accountId: string): number {
    return this.turns.pending(accountId);
  }

  /** The account's backtest, refused at once (checkBacktest) or replayed in its turn; given up when `signal` aborts. */
  async run(accountId: string, em: EntityManager, strategy: StrategyDefinition, from: Date, to: Date, signal?: AbortSignal): Promise<Backtest> {
    // Checked now, queued now: an account's backtests keep the order they came in. The check's
    // statement is cancelled when the client goes (checkBacktest).
    // Its work is known once checked: beyond the account's bound with what it has under way, it is refused at once.
    const admitted = checkBacktest(em, strategy, from, to, signal).then((work) => this.work.admit(accountId, work));
    const replayed = this.turns.run(
      accountId,
      async (slot) => {
        // The turn is given up at once, not when the cancelled statement has ended.
        await unlessAborted(admitted, signal);
        return this.replay(slot, strategy, em, from, to, signal);
      },
      signal,
    );
    // A refused backtest is answered with the check's or the bound's error, without waiting for its turn.
    replayed.catch(() => undefined);
    const release = await admitted;
    try {
      return await replayed;
    } finally {
      release();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.stop()));
  }

  private async replay(slot: number, strategy: StrategyDefinition, em: EntityManager, from: Date, to: Date, signal?: AbortSignal): Promise<Backtest> {
    if (!this.threads.length) {
      const series = storedSeries(em, strategy.interval, from, to);
      // Here too the replay stops at its next page once its client has gone.
      const read: SeriesRead = async (request) => {
        signal?.throwIfAborted();
        return series(request);
      };
      // Stopped at its next row once its client has gone, it rejects with the client's leaving (the signal's
      // reason), as on a thread: its REPLAY_STOPPED would be answered, counted and logged as a server error.
      return replayBacktest(strategy, read, () => signal?.aborted ?? false).catch((error: unknown) => {
        throw signal?.aborted ? abandoned(signal) : error;
      });
    }
    return backtestOfWire(await this.threads[slot]!.replay(strategy, storedPages(em, strategy.interval, from, to), signal));
  }
}

/**
 * A thread's backtest as this thread's objects: Decimals read back from their digits, and times
 * as Dates of this realm (a message's are built in the process's main realm, which is not the
 * one code runs in under Jest, and the DateTime scalar checks `instanceof Date`).
 */
export function backtestOfWire(wire: unknown): Backtest {
  return backtestOf(fromWire<Backtest>(wire).triggers.map((trigger) => ({ ...trigger, time: new Date(trigger.time.getTime()) })));
}
