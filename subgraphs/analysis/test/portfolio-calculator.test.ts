import Decimal from 'decimal.js';
import { eventLoopTurnsDuring } from '@herck/common';
import { PortfolioCalculator } from '../src/modules/portfolio/calculation/portfolio-calculator';
import { PortfolioInputError } from '../src/modules/portfolio/math';
import { LedgerRow } from '../src/modules/portfolio/ledger-row';
import { TransactionKindEnum } from '../src/modules/portfolio/portfolio.types';
import { dayOf, PriceTable } from '../src/modules/portfolio/price-table';

// The calculations themselves are checked by hand in portfolio-math.test.ts; here, that a thread answers what the caller's own would.

const DAY_MS = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const SYMBOLS = ['BTC', 'ETH', 'SOL'];

/** A deposit each day, then a buy of each symbol, and every tenth day a sale of half of what one holds. */
function ledgerOf(days: number): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const held = new Map<string, Decimal>();
  const entry = (kind: TransactionKindEnum, symbol: string | null, quantity: Decimal.Value, price: Decimal.Value, time: number): void => {
    rows.push({ id: `entry-${rows.length}`, kind, symbol, quantity: String(quantity), base_price: String(price), base_fee: '0.5', base_amount: null, time: new Date(time), source_id: null });
  };
  for (let day = 0; day < days; day++) {
    const time = START + day * DAY_MS + 3_600_000;
    entry(TransactionKindEnum.DEPOSIT, null, '1000', '1', time);
    for (const [index, symbol] of SYMBOLS.entries()) {
      const quantity = new Decimal('0.125').times(index + 1);
      entry(TransactionKindEnum.BUY, symbol, quantity, priceOf(symbol, day), time + index);
      held.set(symbol, (held.get(symbol) ?? new Decimal(0)).plus(quantity));
    }
    if (day % 10 === 9) {
      const symbol = SYMBOLS[day % SYMBOLS.length]!;
      const half = held.get(symbol)!.div(2);
      entry(TransactionKindEnum.SELL, symbol, half, priceOf(symbol, day), time + 10);
      held.set(symbol, held.get(symbol)!.minus(half));
    }
  }
  return rows;
}

function priceOf(symbol: string, day: number): string {
  return new Decimal(100 * (SYMBOLS.indexOf(symbol) + 1)).plus(new Decimal(day % 37).times('1.25')).toFixed();
}

/** Every day's close but one (a missing price is part of what is answered), rates in EUR. */
function pricesFor(days: number): PriceTable {
  const closes = SYMBOLS.flatMap((symbol) => Array.from({ length: days }, (_, day) => ({ symbol, open_time: new Date(START + day * DAY_MS), close: priceOf(symbol, day) })));
  return {
    today: dayOf(new Date()),
    closes: closes.filter((close) => !(close.symbol === 'ETH' && close.open_time.getTime() === START + 5 * DAY_MS)),
    latest: [],
    rates: Array.from({ length: days }, (_, day) => ({ day: dayOf(new Date(START + day * DAY_MS)), rate: day % 7 === 6 ? '0.9' : '0.88051' })).filter((_, day) => day % 7 !== 5),
  };
}

/** Every Decimal as its digits, so two answers compare exactly. */
const digits = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_, item: unknown) => (Decimal.isDecimal(item) ? `D:${(item as Decimal).toFixed()}` : item)));

/** The owner whose turn every calculation here waits for. */
const OWNER = 'b0000000-0000-4000-8000-000000000001';

const inThread = new PortfolioCalculator(0);
const threaded = new PortfolioCalculator(1);
afterAll(() => threaded.stop());

describe('portfolio calculations on a thread of their own', () => {
  const days = 120;
  const ledger = ledgerOf(days);
  const prices = pricesFor(days);
  const from = new Date(START + 3 * DAY_MS);
  const to = new Date(START + (days - 1) * DAY_MS + 12 * 3_600_000);

  it('answer exactly what the calling thread would, as Decimals', async () => {
    // From day 6's close every close is there (a period from day 7's midnight starts at it); from day 3 the ETH close of day 5 is missing.
    const complete = new Date(START + 7 * DAY_MS);
    for (const method of ['FIFO', 'AVERAGE'] as const) {
      for (const start of [complete, from]) {
        const [here, there] = await Promise.all([inThread.performance(OWNER, ledger, prices, start, to, method), threaded.performance(OWNER, ledger, prices, start, to, method)]);
        expect(digits(there)).toEqual(digits(here));
      }
      const whole = await threaded.performance(OWNER, ledger, prices, complete, to, method);
      expect(whole.complete).toBe(true);
      expect([whole.roi, whole.twr, whole.xirr, whole.realizedPnl, whole.unrealizedPnl].every((figure) => Decimal.isDecimal(figure))).toBe(true);
      // A missing close is named, and the figures that need it are not guessed.
      const partial = await threaded.performance(OWNER, ledger, prices, from, to, method);
      expect(partial).toMatchObject({ complete: false, roi: null, unrealizedPnl: null, missingPrices: [{ symbol: 'ETH', date: '2025-01-06' }] });
      const [valuedHere, valuedThere] = await Promise.all([inThread.valuation(OWNER, ledger, prices, to, method), threaded.valuation(OWNER, ledger, prices, to, method)]);
      expect(digits(valuedThere)).toEqual(digits(valuedHere));
      expect(valuedThere.holdings.map((holding) => holding.symbol)).toEqual(SYMBOLS);
      expect(valuedThere.holdings.every((holding) => Decimal.isDecimal(holding.quantity) && Decimal.isDecimal(holding.marketValue))).toBe(true);
    }
  });

  it('refuse a ledger that sells more than it holds with the calculation’s own error', async () => {
    const oversold: LedgerRow = { id: null, kind: TransactionKindEnum.SELL, symbol: 'BTC', quantity: '1000000', base_price: '1', base_fee: '0', base_amount: null, time: new Date(START + 50 * DAY_MS), source_id: null };
    const refusal = await threaded.replay(OWNER, [...ledger, oversold], 'FIFO').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PortfolioInputError);
    expect(refusal).toMatchObject({ field: 'quantity', message: expect.stringMatching(/^Cannot sell 1000000 BTC at 2025-02-20T00:00:00.000Z: only [\d.]+ held then$/) });
    await expect(threaded.replay(OWNER, ledger, 'FIFO')).resolves.toBeUndefined();
  });

  it('leave the calling thread free while a long ledger is calculated', async () => {
    const long = ledgerOf(1_500);
    const longPrices = pricesFor(1_500);
    const longTo = new Date(START + 1_499 * DAY_MS);
    // On the caller's thread the calculation holds it from start to end: not one turn.
    expect(await eventLoopTurnsDuring(() => inThread.performance(OWNER, long, longPrices, from, longTo, 'FIFO'))).toBe(0);
    expect(await eventLoopTurnsDuring(() => threaded.performance(OWNER, long, longPrices, from, longTo, 'FIFO'))).toBeGreaterThan(20);
  });

  it('take turns between accounts: one owner’s queue of long calculations keeps another’s waiting behind one of them', async () => {
    const long = ledgerOf(400);
    const longPrices = pricesFor(400);
    const finished: string[] = [];
    const calculation = (name: string, work: Promise<unknown>) => work.then(() => finished.push(name));
    await Promise.all([
      calculation('patient 1', threaded.performance('patient', long, longPrices, from, to, 'FIFO')),
      calculation('patient 2', threaded.performance('patient', long, longPrices, from, to, 'AVERAGE')),
      calculation('patient 3', threaded.valuation('patient', long, longPrices, to, 'FIFO')),
      calculation('quick', threaded.valuation('quick', ledger.slice(0, 10), prices, to, 'FIFO')),
    ]);
    expect(finished).toEqual(['patient 1', 'quick', 'patient 2', 'patient 3']);
  });

  it('start a new thread for the next calculation once one has stopped', async () => {
    await threaded.stop();
    expect((await threaded.valuation(OWNER, ledger, prices, to, 'FIFO')).holdings).toHaveLength(SYMBOLS.length);
  });
});
