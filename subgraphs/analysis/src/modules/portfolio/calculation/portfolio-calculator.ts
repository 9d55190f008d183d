import { AccountTurns, compiledWorkerFile, fromWire, WorkerThread } from '@herck/common';
import { CostBasisMethod, PortfolioInputError } from '../math';
import { LedgerRow } from '../ledger-row';
import { PriceTable } from '../price-table';
import { CalculationReply, CalculationRequest } from './calculation-messages';
import { calculate, Calculation, PerformanceWithEnd, ValuationFigures } from './portfolio-calculations';

/**
 * Runs portfolio calculations off the service's own thread. A long ledger's figures take
 * seconds (50,000 filled orders: about 3 s for one `performance`), and that thread also
 * evaluates every user's strategies and answers every request: one such read, times the
 * aliases a query may hold, stalled them all. Each calculation goes, with the ledger and prices
 * as PostgreSQL answered them, to a thread; with no threads they run on the caller's. An account's
 * calculations run one at a time and accounts take turns (AccountTurns): one owner's long ledgers
 * keep another's, or a change of theirs waiting under its portfolio's lock, behind at most one each.
 */
export class PortfolioCalculator {
  private readonly threads: CalculationThread[];
  private readonly turns: AccountTurns;
  /** Calculations run so far, by kind. */
  readonly calculated: Record<Calculation['op'], number> = { performance: 0, valuation: 0, replay: 0 };

  constructor(threads: number) {
    this.threads = Array.from({ length: threads }, () => new CalculationThread());
    this.turns = new AccountTurns(Math.max(1, threads));
  }

  /** `account`: the portfolio's owner, whose turn the calculation waits for. */
  performance(account: string, ledger: LedgerRow[], prices: PriceTable, from: Date, to: Date, method: CostBasisMethod): Promise<PerformanceWithEnd> {
    return this.run<PerformanceWithEnd>(account, { op: 'performance', ledger, prices, from, to, method });
  }

  valuation(account: string, ledger: LedgerRow[], prices: PriceTable, at: Date, method: CostBasisMethod): Promise<ValuationFigures> {
    return this.run<ValuationFigures>(account, { op: 'valuation', ledger, prices, at, method });
  }

  /** Replays the ledger; a sale of more than was held, or a withdrawal of more cash than there was, rejects with its PortfolioInputError. */
  async replay(account: string, ledger: LedgerRow[], method: CostBasisMethod): Promise<void> {
    await this.run<null>(account, { op: 'replay', ledger, method });
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.stop()));
  }

  private run<T>(account: string, calculation: Calculation): Promise<T> {
    this.calculated[calculation.op] += 1;
    return this.turns.run(account, async (slot) => (this.threads.length ? fromWire<T>(await this.threads[slot]!.run(calculation)) : (calculate(calculation) as T)));
  }
}

/** One calculation thread, started when first needed and again after it fails, and the calculations waiting for it. */
class CalculationThread {
  private readonly thread = new WorkerThread<{ resolve: (result: unknown) => void; fail: (error: Error) => void }, CalculationReply>(
    compiledWorkerFile(__filename, 'calculation-thread'),
    'portfolio calculation thread',
    (reply) => this.received(reply),
  );

  run(calculation: Calculation): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.thread.start({ resolve, fail: reject }, (id) => ({ id, calculation }) satisfies CalculationRequest);
    });
  }

  stop(): Promise<void> {
    return this.thread.stop();
  }

  private received(reply: CalculationReply): void {
    const waiting = this.thread.ended(reply.id);
    if ('result' in reply) waiting?.resolve(reply.result);
    else waiting?.fail(reply.error.input ? new PortfolioInputError(reply.error.message, reply.error.field) : new Error(reply.error.message));
  }
}
