import Decimal from 'decimal.js';
import {
  holdingsAt,
  InsufficientCashError,
  OversellError,
  performanceBetween,
  PortfolioInputError,
  PortfolioTransaction,
  PriceLookup,
  TransactionKind,
  valuationAt,
  xirr,
} from '../src/modules/portfolio/math';

// Every figure below is worked out by hand in the comment next to it; the code is not the oracle.

const time = (iso: string) => new Date(iso);

function tx(kind: TransactionKind, symbol: string | null, quantity: string, price: string, fee: string, iso: string): PortfolioTransaction {
  return { kind, symbol, quantity: new Decimal(quantity), price: new Decimal(price), fee: new Decimal(fee), time: time(iso) };
}
const deposit = (amount: string, iso: string, fee = '0') => tx('DEPOSIT', null, amount, '1', fee, iso);
const withdraw = (amount: string, iso: string) => tx('WITHDRAWAL', null, amount, '1', '0', iso);

/** Daily closes by UTC day, then symbol; anything absent is a missing price. */
function closes(table: Record<string, Record<string, string>>): PriceLookup {
  return (symbol, day) => {
    const close = table[day]?.[symbol];
    return close === undefined ? null : new Decimal(close);
  };
}

/** Decimal equality shown as strings, so a failure prints both numbers. */
function expectDecimal(actual: Decimal | null, expected: Decimal | string, places = 15) {
  expect(actual).not.toBeNull();
  expect((actual as Decimal).toDecimalPlaces(places).toString()).toBe(new Decimal(expected).toDecimalPlaces(places).toString());
}

describe('cost basis: FIFO vs AVERAGE on buy, buy, partial sell', () => {
  const ledger = [
    deposit('10000', '2024-01-01T09:00:00Z'),
    tx('BUY', 'X', '10', '100', '10', '2024-01-02T12:00:00Z'), // lot 1: 10 units, cost 10·100 + 10 fee = 1010
    tx('BUY', 'X', '10', '120', '10', '2024-01-03T12:00:00Z'), // lot 2: 10 units, cost 10·120 + 10 fee = 1210
    tx('SELL', 'X', '15', '130', '15', '2024-01-04T12:00:00Z'), // proceeds 15·130 − 15 fee = 1935
  ];
  const at = time('2024-01-05T18:00:00Z');
  const prices = closes({ '2024-01-05': { X: '140' } });

  it('FIFO sells lot 1 whole and half of lot 2', () => {
    const { positions, cash, realizedPnl } = holdingsAt(ledger, at, 'FIFO');
    // Cost of the 15 sold: lot 1 (1010) + 5/10 of lot 2 (605) = 1615. Realized = 1935 − 1615 = 320.
    expectDecimal(realizedPnl, '320');
    // Left: 5 units of lot 2 costing 1210 − 605 = 605, so 605 / 5 = 121 each.
    expect(positions).toHaveLength(1);
    expectDecimal(positions[0].quantity, '5');
    expectDecimal(positions[0].costBasis, '605');
    expectDecimal(positions[0].averageCost, '121');
    // Cash: 10000 − 1010 − 1210 + 1935 = 9715.
    expectDecimal(cash, '9715');

    const valuation = valuationAt(ledger, at, 'FIFO', prices);
    // Market value 5·140 = 700; unrealized = 700 − 605 = 95; value = 9715 + 700 = 10415.
    expectDecimal(valuation.holdings[0].marketValue, '700');
    expectDecimal(valuation.unrealizedPnl, '95');
    expectDecimal(valuation.value, '10415');
    expectDecimal(valuation.cost, '605');
    expect(valuation.complete).toBe(true);
  });

  it('AVERAGE sells at the pooled cost per unit', () => {
    const { positions, cash, realizedPnl } = holdingsAt(ledger, at, 'AVERAGE');
    // Pool: 20 units costing 1010 + 1210 = 2220, 111 each. The 15 sold cost 15·111 = 1665. Realized = 1935 − 1665 = 270.
    expectDecimal(realizedPnl, '270');
    // Left: 5 units costing 2220 − 1665 = 555, still 111 each.
    expectDecimal(positions[0].quantity, '5');
    expectDecimal(positions[0].costBasis, '555');
    expectDecimal(positions[0].averageCost, '111');
    expectDecimal(cash, '9715'); // cash does not depend on the method

    const valuation = valuationAt(ledger, at, 'AVERAGE', prices);
    // Unrealized = 700 − 555 = 145. Same value 10415: the methods only move P&L between realized and unrealized (320 + 95 = 270 + 145 = 415).
    expectDecimal(valuation.unrealizedPnl, '145');
    expectDecimal(valuation.value, '10415');
  });

  it('gives the same ROI under both methods, split differently into realized and unrealized', () => {
    const options = { from: time('2023-12-31T00:00:00Z'), to: at, prices };
    const fifo = performanceBetween(ledger, { ...options, method: 'FIFO' });
    const average = performanceBetween(ledger, { ...options, method: 'AVERAGE' });
    // Start value 0, deposits 10000, end value 10415: gain 415, ROI = 415 / (0 + 10000) = 0.0415.
    for (const result of [fifo, average]) {
      expectDecimal(result.gain, '415');
      expectDecimal(result.roi, '0.0415');
    }
    expectDecimal(fifo.realizedPnl, '320');
    expectDecimal(fifo.unrealizedPnl, '95');
    expectDecimal(average.realizedPnl, '270');
    expectDecimal(average.unrealizedPnl, '145');
  });
});

describe('ROI over a period with a starting value, a deposit and a withdrawal', () => {
  const ledger = [
    deposit('1000', '2024-01-01T09:00:00Z'),
    tx('BUY', 'X', '10', '100', '0', '2024-01-01T09:00:00Z'), // cash 0, 10 X
    deposit('500', '2024-02-10T12:00:00Z'), // cash 500
    withdraw('200', '2024-02-20T12:00:00Z'), // cash 300
  ];
  const prices = closes({
    '2024-01-31': { X: '110' },
    '2024-02-10': { X: '120' },
    '2024-02-20': { X: '115' },
    '2024-02-29': { X: '130' },
  });
  const result = performanceBetween(ledger, { from: time('2024-01-31T18:00:00Z'), to: time('2024-02-29T18:00:00Z'), method: 'FIFO', prices });

  it('is gain over start value plus deposits', () => {
    // Start: 10·110 = 1100. End: cash 300 + 10·130 = 1600.
    expectDecimal(result.start.value, '1100');
    expectDecimal(result.end.value, '1600');
    expectDecimal(result.deposits, '500');
    expectDecimal(result.withdrawals, '200');
    // gain = end − start − deposits + withdrawals = 1600 − 1100 − 500 + 200 = 200; ROI = 200 / (1100 + 500) = 0.125.
    expectDecimal(result.gain, '200');
    expectDecimal(result.roi, '0.125');
    // Nothing sold, no fees: the gain is all unrealized, 10·(130 − 100) − 10·(110 − 100) = 300 − 100 = 200.
    expectDecimal(result.realizedPnl, '0');
    expectDecimal(result.unrealizedPnl, '200');
    expect(result.complete).toBe(true);
  });

  it('chains the sub-periods between the two flows into the TWR', () => {
    // Before the deposit: 10·120 = 1200, r1 = 1200/1100 − 1 = 1/11; after it 1200 + 500 = 1700.
    // Before the withdrawal: 500 + 10·115 = 1650, r2 = 1650/1700 − 1 = −1/34; after it 1650 − 200 = 1450.
    // End 1600, r3 = 1600/1450 − 1 = 3/29.
    // TWR = (12/11)·(33/34)·(32/29) − 1 = (18/17)·(32/29) − 1 = 576/493 − 1 = 83/493.
    expect(result.subPeriods.map((period) => [period.startValue.toString(), period.endValue.toString()])).toEqual([
      ['1100', '1200'],
      ['1700', '1650'],
      ['1450', '1600'],
    ]);
    expectDecimal(result.subPeriods[0].return, new Decimal(1).div(11));
    expectDecimal(result.subPeriods[1].return, new Decimal(-1).div(34));
    expectDecimal(result.subPeriods[2].return, new Decimal(3).div(29));
    expectDecimal(result.twr, new Decimal(83).div(493));
  });

  it('gives the TWR, as every return, to 20 significant digits of its own, rounded once', () => {
    // 83/493 = 0.16835699797160243407707… → 0.16835699797160243408 (decimal.js's default: 20 digits, half up).
    expect(result.twr?.toFixed()).toBe('0.16835699797160243408');
    expect(result.subPeriods.map((period) => period.return?.toFixed())).toEqual(['0.090909090909090909091', '-0.029411764705882352941', '0.10344827586206896552']);
  });

  it('counts fees outside trades as a cost, not a flow', () => {
    // Deposit 1000 paying a 2 fee, then a custody FEE of 8: cash 990, flows 1000, other fees 10.
    const fees = [deposit('1000', '2024-01-01T09:00:00Z', '2'), tx('FEE', null, '8', '1', '0', '2024-01-02T09:00:00Z')];
    const outcome = performanceBetween(fees, { from: time('2023-12-31T00:00:00Z'), to: time('2024-01-03T00:00:00Z'), method: 'FIFO', prices });
    // gain = 990 − 0 − 1000 = −10 = realized 0 + unrealized 0 − other fees 10; ROI = −10 / 1000 = −0.01.
    expectDecimal(outcome.end.cash, '990');
    expectDecimal(outcome.otherFees, '10');
    expectDecimal(outcome.gain, '-10');
    expectDecimal(outcome.roi, '-0.01');
  });
});

describe('time-weighted return with a deposit mid-period', () => {
  const ledger = [
    deposit('1000', '2024-01-01T09:00:00Z'),
    tx('BUY', 'X', '10', '100', '0', '2024-01-01T09:00:00Z'),
    // Deposit then buy at the same instant, in this order: the split falls before the deposit.
    deposit('1200', '2024-01-15T12:00:00Z'),
    tx('BUY', 'X', '10', '120', '0', '2024-01-15T12:00:00Z'),
  ];
  const prices = closes({ '2024-01-01': { X: '100' }, '2024-01-15': { X: '120' }, '2024-01-31': { X: '90' } });
  const result = performanceBetween(ledger, { from: time('2024-01-01T18:00:00Z'), to: time('2024-01-31T18:00:00Z'), method: 'FIFO', prices });

  it('splits at the deposit and chains the two sub-period returns', () => {
    // Sub-period 1: 10·100 = 1000 → 10·120 = 1200 just before the deposit: r1 = 1200/1000 − 1 = 0.2.
    // Sub-period 2: 1200 + 1200 = 2400 → 20·90 = 1800 at the end: r2 = 1800/2400 − 1 = −0.25.
    expect(result.subPeriods.map((period) => [period.startValue.toString(), period.endValue.toString(), period.return?.toString()])).toEqual([
      ['1000', '1200', '0.2'],
      ['2400', '1800', '-0.25'],
    ]);
    // TWR = 1.2 · 0.75 − 1 = −0.1.
    expectDecimal(result.twr, '-0.1');
  });

  it('differs from ROI, which the badly timed deposit weighs down', () => {
    // gain = 1800 − 1000 − 1200 = −400; ROI = −400 / (1000 + 1200) = −2/11 ≈ −0.1818, worse than the TWR's −0.1
    // because more money was in during the losing half.
    expectDecimal(result.gain, '-400');
    expectDecimal(result.roi, new Decimal(-2).div(11));
    expect(result.xirr?.isNeg()).toBe(true);
  });
});

describe('XIRR', () => {
  const flow = (amount: string, day: string) => ({ amount: new Decimal(amount), time: time(`${day}T00:00:00Z`) });

  it('solves the example of Excel’s XIRR documentation', () => {
    const rate = xirr([
      flow('-10000', '2008-01-01'),
      flow('2750', '2008-03-01'),
      flow('4250', '2008-10-30'),
      flow('3250', '2009-02-15'),
      flow('2750', '2009-04-01'),
    ]);
    // Days from 2008-01-01 (2008 is a leap year): 60, 303, 411, 456. The root of
    // −10000 + 2750/(1+r)^(60/365) + 4250/(1+r)^(303/365) + 3250/(1+r)^(411/365) + 2750/(1+r)^(456/365) = 0
    // is r = 0.373362533518831… (checked independently with 50-digit Newton iterations).
    expectDecimal(rate, '0.373362533519', 12);
    // Excel prints 0.373362535: its last iterate, within its documented 0.000001 % (1e-8), not the root.
    // At 9 decimals the exact root rounds to 0.373362534, so Excel's figure is matched to Excel's own accuracy.
    expect((rate as Decimal).minus('0.373362535').abs().lt('1e-8')).toBe(true);
  });

  it('counts the flows at `from` as the period\'s: the Excel example as a ledger, asked from its first flow to its last', () => {
    // 10,000 deposited and turned into 13,000 (bought at 10,000, sold at 13,000 the same moment), then
    // withdrawn as Excel's example pays out: the flows are Excel's, so is the rate.
    const ledger = [
      deposit('10000', '2008-01-01T00:00:00Z'),
      tx('BUY', 'X', '1', '10000', '0', '2008-01-01T00:00:00Z'),
      tx('SELL', 'X', '1', '13000', '0', '2008-01-01T00:00:00Z'),
      withdraw('2750', '2008-03-01T00:00:00Z'),
      withdraw('4250', '2008-10-30T00:00:00Z'),
      withdraw('3250', '2009-02-15T00:00:00Z'),
      withdraw('2750', '2009-04-01T00:00:00Z'),
    ];
    const prices = closes({});
    const fromFirstFlow = performanceBetween(ledger, { from: time('2008-01-01T00:00:00Z'), to: time('2009-04-01T00:00:00Z'), method: 'FIFO', prices });
    const fromDayBefore = performanceBetween(ledger, { from: time('2007-12-31T00:00:00Z'), to: time('2009-04-01T00:00:00Z'), method: 'FIFO', prices });
    for (const result of [fromFirstFlow, fromDayBefore]) {
      expectDecimal(result.xirr, '0.373362533519', 12);
      // Gain 3,000 (the sale's) over the 10,000 put in; the period holds the sale.
      expectDecimal(result.roi, '0.3');
      expectDecimal(result.realizedPnl, '3000');
      expectDecimal(result.start.value, '0');
      expectDecimal(result.deposits, '10000');
    }
  });

  it('is the plain annual rate for two flows a year apart', () => {
    // −1000 then +1100 365 days later: 1100 / 1000 − 1 = 0.1.
    expectDecimal(xirr([flow('-1000', '2023-01-01'), flow('1100', '2024-01-01')]), '0.1', 12);
  });

  it('falls back to bisection where Newton from 0.1 leaves the domain', () => {
    // −177900000 on 2020-07-03, +8799805.85 237 days later: (1 + r)^(237/365) = 8799805.85 / 177900000,
    // so r = (8799805.85 / 177900000)^(365/237) − 1 = −0.990247691899… (Excel gives −0.990247691899517).
    const rate = xirr([flow('-177900000', '2020-07-03'), flow('8799805.85', '2021-02-25')]);
    expectDecimal(rate, '-0.990247691900', 12);
  });

  it('finds the huge rates a large gain over a few days annualises to', () => {
    // −100, then +117.8 two days later: r = 1.178^(365/2) − 1 ≈ 9.66e12.
    const rate = xirr([flow('-100', '2026-01-05'), flow('117.8', '2026-01-07')]);
    expect(rate).not.toBeNull();
    expect(Math.abs(rate!.toNumber() / (Math.pow(1.178, 365 / 2) - 1) - 1)).toBeLessThan(1e-9);
    // Three flows within a day or so: a root near 1.42e13 (Excel answers #NUM! here).
    const times = (iso: string, amount: string) => ({ amount: new Decimal(amount), time: time(iso) });
    const three = xirr([times('2026-01-05T10:00:00Z', '-101'), times('2026-01-06T10:00:00Z', '-111'), times('2026-01-07T12:00:00Z', '241.5')]);
    expect(three!.toNumber()).toBeGreaterThan(1e13);
  });

  it('finds the rates just above −1 a loss over a day or two annualises to', () => {
    // −100, then +95 a day later: r = 0.95^365 − 1 = −0.999999992602… (below the grid's −0.999999: it was null).
    expectDecimal(xirr([flow('-100', '2026-01-05'), flow('95', '2026-01-06')]), new Decimal('0.95').pow(365).minus(1), 12);
    // −1500, then +1210 a day later: r = −1 + 4e−35, which is −1 to the 12 decimals kept.
    expect(xirr([flow('-1500', '2026-01-06'), flow('1210', '2026-01-07')])?.toFixed()).toBe('-1');
  });

  it('finds a root of flows that change sign more than once, where the value rises toward it from the guess', () => {
    // −100, +230 a year later, −132.16 a year after: (1 + r)² − 2.3(1 + r) + 1.3216 = 0, roots 0.12 and 0.18,
    // both between two rates of the bisection's grid (0 and 0.5). Newton from 0.1 climbs to 0.12 (the value
    // rises there, as it never does for flows that change sign once): no run-away to give up on.
    expectDecimal(xirr([flow('-100', '2022-01-01'), flow('230', '2023-01-01'), flow('-132.16', '2024-01-01')]), '0.12', 12);
  });

  it('has no solution when all flows have the same sign', () => {
    expect(xirr([flow('-1000', '2023-01-01'), flow('-500', '2023-06-01')])).toBeNull();
    expect(xirr([flow('1000', '2023-01-01'), flow('500', '2023-06-01')])).toBeNull();
  });

  it('has no solution when what goes in and what comes out at one moment cancel out', () => {
    // −10000 and +10000 on one day (a deposit at a period's end, valued at that end): every rate
    // solves −10000 + 10000 = 0, so none is the XIRR. Newton's first guess, 0.1, came back as 10 % a year.
    expect(xirr([flow('-10000', '2008-01-01'), flow('10000', '2008-01-01')])).toBeNull();
    // Flows of one moment count as their sum: here +500 on the second day, and nothing goes in.
    expect(xirr([flow('-1000', '2023-01-01'), flow('1000', '2023-01-01'), flow('-200', '2023-06-01'), flow('700', '2023-06-01')])).toBeNull();
    // A moment that cancels out changes nothing of the others' rate: −1000, then +1100 a year later, is 0.1.
    expectDecimal(xirr([flow('-50', '2022-06-01'), flow('50', '2022-06-01'), flow('-1000', '2023-01-01'), flow('1100', '2024-01-01')]), '0.1', 12);
  });
});

describe('a missing price', () => {
  const ledger = [
    deposit('1000', '2024-03-01T09:00:00Z'),
    tx('BUY', 'X', '2', '100', '0', '2024-03-01T10:00:00Z'), // cost 200
    tx('BUY', 'Y', '10', '30', '0', '2024-03-01T11:00:00Z'), // cost 300; cash 1000 − 200 − 300 = 500
  ];
  const prices = closes({ '2024-03-05': { X: '150' } }); // no close for Y that day

  it('is listed, adds nothing to the value and marks the valuation incomplete', () => {
    const valuation = valuationAt(ledger, time('2024-03-05T18:00:00Z'), 'FIFO', prices);
    expect(valuation.missingPrices).toEqual([{ symbol: 'Y', date: '2024-03-05' }]);
    expect(valuation.complete).toBe(false);
    // Value = cash 500 + X 2·150 = 800; Y counts for nothing rather than a guessed price.
    expectDecimal(valuation.value, '800');
    // Cost is known without prices: 200 + 300 = 500. Unrealized only where priced: 300 − 200 = 100.
    expectDecimal(valuation.cost, '500');
    expectDecimal(valuation.unrealizedPnl, '100');
    const y = valuation.holdings.find((holding) => holding.symbol === 'Y');
    expect([y?.price, y?.marketValue, y?.unrealizedPnl]).toEqual([null, null, null]);
  });

  it('makes the performance incomplete too, with no return guessed from it', () => {
    const result = performanceBetween(ledger, { from: time('2024-02-29T00:00:00Z'), to: time('2024-03-05T18:00:00Z'), method: 'FIFO', prices });
    expect(result.missingPrices).toEqual([{ symbol: 'Y', date: '2024-03-05' }]);
    expect(result.complete).toBe(false);
    // Y valued at nothing would make a loss of 200 on 1000 of it: no such return is given.
    expect([result.roi, result.twr, result.xirr, result.unrealizedPnl]).toEqual([null, null, null, null]);
    expectDecimal(result.realizedPnl, '0');
  });
});

describe('rejected input', () => {
  it('refuses to sell more than is held', () => {
    const ledger = [tx('BUY', 'X', '1', '100', '0', '2024-01-01T00:00:00Z'), tx('SELL', 'X', '2', '110', '0', '2024-01-02T00:00:00Z')];
    // Before the sell the ledger is fine; once it is replayed, 2 > 1 held.
    expectDecimal(holdingsAt(ledger, time('2024-01-01T12:00:00Z'), 'FIFO').positions[0].quantity, '1');
    for (const method of ['FIFO', 'AVERAGE'] as const) {
      let error: unknown;
      try {
        holdingsAt(ledger, time('2024-01-03T00:00:00Z'), method);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(OversellError);
      expect(error).toBeInstanceOf(PortfolioInputError); // what the service maps to BAD_USER_INPUT
      expect((error as OversellError).held.toString()).toBe('1');
      expect((error as OversellError).requested.toString()).toBe('2');
      expect((error as OversellError).message).toBe('Cannot sell 2 X at 2024-01-02T00:00:00.000Z: only 1 held then');
    }
  });

  it('refuses to sell a symbol never bought', () => {
    expect(() => holdingsAt([tx('SELL', 'Z', '1', '5', '0', '2024-01-01T00:00:00Z')], time('2024-01-02T00:00:00Z'), 'FIFO')).toThrow(OversellError);
  });

  it('refuses to withdraw more cash than is held', () => {
    const ledger = [deposit('100', '2024-01-01T00:00:00Z'), withdraw('150', '2024-01-02T00:00:00Z')];
    expect(() => holdingsAt(ledger, time('2024-01-03T00:00:00Z'), 'FIFO')).toThrow(InsufficientCashError);
  });

  it('refuses a malformed transaction', () => {
    expect(() => holdingsAt([tx('BUY', 'X', '-1', '100', '0', '2024-01-01T00:00:00Z')], time('2024-01-02T00:00:00Z'), 'FIFO')).toThrow(PortfolioInputError);
    expect(() => holdingsAt([tx('BUY', null, '1', '100', '0', '2024-01-01T00:00:00Z')], time('2024-01-02T00:00:00Z'), 'FIFO')).toThrow('A BUY needs a symbol');
  });
});

describe('amounts with more than 20 significant digits', () => {
  // decimal.js rounds every result to 20 significant digits unless told otherwise; a ledger must not.
  const q = '123.456789012345678901'; // 21 digits: an 18-decimal token amount above 100

  it('holds what was bought to the last digit, and sells all of it', () => {
    for (const method of ['FIFO', 'AVERAGE'] as const) {
      const bought = [tx('BUY', 'ETH', q, '1', '0', '2024-01-01T00:00:00Z')];
      const held = holdingsAt(bought, time('2024-01-02T00:00:00Z'), method).positions[0]!;
      expect(held.quantity.toFixed()).toBe(q);
      expect(held.costBasis.toFixed()).toBe(q);
      const sold = holdingsAt([...bought, tx('SELL', 'ETH', q, '1', '0', '2024-01-03T00:00:00Z')], time('2024-01-04T00:00:00Z'), method);
      expect(sold.positions[0]!.quantity.toFixed()).toBe('0');
      // Bought and sold at 1: nothing gained, nothing left over.
      expect(sold.realizedPnl.toFixed()).toBe('0');
    }
  });

  it('keeps a tiny buy next to a large one', () => {
    const ledger = [tx('BUY', 'X', '1000000', '1', '0', '2024-01-01T00:00:00Z'), tx('BUY', 'X', '0.00000000000000000001', '1', '0', '2024-01-01T01:00:00Z')];
    expect(holdingsAt(ledger, time('2024-01-02T00:00:00Z'), 'FIFO').positions[0]!.quantity.toFixed()).toBe('1000000.00000000000000000001');
    const all = tx('SELL', 'X', '1000000.00000000000000000001', '1', '0', '2024-01-03T00:00:00Z');
    expect(holdingsAt([...ledger, all], time('2024-01-04T00:00:00Z'), 'FIFO').positions[0]!.quantity.toFixed()).toBe('0');
  });

  it('multiplies quantity by price exactly', () => {
    // 12345678.87654321 × 98765.4321098765 = 1219326308931.564787395220013565 (31 digits, by long multiplication).
    const ledger = [tx('BUY', 'X', '12345678.87654321', '98765.4321098765', '0', '2024-01-01T00:00:00Z')];
    expect(holdingsAt(ledger, time('2024-01-02T00:00:00Z'), 'AVERAGE').positions[0]!.costBasis.toFixed()).toBe('1219326308931.564787395220013565');
  });
});

describe('a portfolio of trades only (no deposits recorded)', () => {
  it('treats the money a buy needs as deposited then', () => {
    // One buy of 1 X at 40000 with no cash: an implicit deposit of 40000 at the buy.
    const ledger = [tx('BUY', 'X', '1', '40000', '0', '2024-01-01T10:00:00Z')];
    const prices = closes({ '2024-12-31': { X: '44000' } });
    const result = performanceBetween(ledger, { from: time('2023-12-31T00:00:00Z'), to: time('2024-12-31T10:00:00Z'), method: 'FIFO', prices });
    // deposits 40000; end value 44000 (cash 0); gain 4000; ROI = 4000 / 40000 = 0.1.
    expectDecimal(result.deposits, '40000');
    expectDecimal(result.end.cash, '0');
    expectDecimal(result.roi, '0.1');
    // Sub-periods: nothing invested before the buy (0 → 0, return 0), then 40000 → 44000 = 0.1. TWR 0.1.
    expectDecimal(result.twr, '0.1');
    // −40000 then +44000 exactly 365 days later (2024-01-01 10:00 → 2024-12-31 10:00): XIRR 0.1.
    expectDecimal(result.xirr, '0.1', 12);
  });
});

describe('a filled order (a buy paid from outside the portfolio)', () => {
  it('never takes the cash a later withdrawal was recorded against', () => {
    // Deposit 1000, withdraw 950 later; a fill of 100 lands between them (the order was paid through
    // the orders service). Taking the fill from cash would leave 900 for the 950 withdrawal: the whole
    // ledger would stop replaying. Paid from outside, it is money put in: cash 1000 → 1000 → 50.
    const fill = { ...tx('BUY', 'X', '1', '100', '0', '2024-01-02T10:00:00Z'), paidFromOutside: true };
    const ledger = [deposit('1000', '2024-01-01T10:00:00Z'), fill, withdraw('950', '2024-01-03T10:00:00Z')];
    const prices = closes({ '2024-01-04': { X: '110' } });
    const result = performanceBetween(ledger, { from: time('2023-12-31T00:00:00Z'), to: time('2024-01-04T10:00:00Z'), method: 'FIFO', prices });
    expectDecimal(result.end.cash, '50');
    // Deposits 1000 + 100 (the fill), withdrawals 950; end value 50 cash + 110 = 160. Gain 160 − 1100 + 950 = 10.
    expectDecimal(result.deposits, '1100');
    expectDecimal(result.withdrawals, '950');
    expectDecimal(result.gain, '10');
    // The same buy taken from cash is refused at the withdrawal, as before.
    expect(() => holdingsAt([ledger[0]!, { ...fill, paidFromOutside: false }, ledger[2]!], time('2024-01-04T00:00:00Z'), 'FIFO')).toThrow(InsufficientCashError);
  });
});

describe('performance between flows: figures reused from one flow to the next', () => {
  // Fills (each an implicit deposit, so a flow) twice a day on three days, with a sell between them that
  // changes one holding without a flow: each sub-period must end at the value of the ledger just before
  // its flow, at that day's closes, exactly as valuing that ledger on its own gives it.
  const fill = (symbol: string, quantity: string, price: string, iso: string): PortfolioTransaction => ({ ...tx('BUY', symbol, quantity, price, '0.1', iso), paidFromOutside: true });
  const history = [
    fill('X', '2', '100', '2024-03-01T09:00:00Z'),
    fill('Y', '5', '20', '2024-03-01T15:00:00Z'),
    fill('X', '1', '101', '2024-03-02T09:00:00Z'),
    tx('SELL', 'Y', '2', '22', '0', '2024-03-02T12:00:00Z'),
    fill('Z', '3', '7', '2024-03-02T15:00:00Z'),
    fill('Y', '1', '21', '2024-03-03T09:00:00Z'),
    fill('X', '1', '99', '2024-03-03T15:00:00Z'),
  ];
  const prices = closes({
    '2024-03-01': { X: '100.5', Y: '20.25', Z: '7' },
    '2024-03-02': { X: '101.75', Y: '21.5', Z: '7.125' },
    '2024-03-03': { X: '98.5', Y: '21', Z: '7.5' },
    '2024-03-04': { X: '99', Y: '22', Z: '8' },
  });

  it.each(['FIFO', 'AVERAGE'] as const)('%s: every sub-period ends at the value of the ledger before its flow', (method) => {
    const result = performanceBetween(history, { from: time('2024-02-29T00:00:00Z'), to: time('2024-03-04T00:00:00Z'), method, prices });
    const flows = history.filter((transaction) => transaction.paidFromOutside);
    // One sub-period ends at each flow, and the last at `to`.
    expect(result.subPeriods).toHaveLength(flows.length + 1);
    flows.forEach((flow, index) => {
      const before = history.filter((transaction) => transaction.time.getTime() < flow.time.getTime());
      const alone = valuationAt(before, flow.time, method, prices).value;
      expect(result.subPeriods[index]!.endValue.toString()).toBe(alone.toString());
    });
  });
});

describe('a moment at midnight', () => {
  // 10 X bought on 1 March; closes: 120 on 3 March, 90 on 4 March, 100 on 7 March.
  const ledger = [deposit('1000', '2024-03-01T09:00:00Z'), tx('BUY', 'X', '10', '100', '0', '2024-03-01T10:00:00Z')];
  const prices = closes({ '2024-03-01': { X: '100' }, '2024-03-03': { X: '120' }, '2024-03-04': { X: '90' }, '2024-03-07': { X: '100' } });

  it("is valued at the close of the day that just ended: a day's close is the price as the next begins", () => {
    // 10 × 120 (3 March's close), not 10 × 90 (4 March's, a day still to come at that moment).
    expectDecimal(valuationAt(ledger, time('2024-03-04T00:00:00Z'), 'FIFO', prices).value, '1200');
    expectDecimal(valuationAt(ledger, time('2024-03-03T23:59:59.999Z'), 'FIFO', prices).value, '1200');
    expectDecimal(valuationAt(ledger, time('2024-03-04T00:00:00.001Z'), 'FIFO', prices).value, '900');
  });

  it('starts and ends a period, so that periods meeting there chain', () => {
    // From 4 March 00:00 to 8 March 00:00: from 3 March's close (1200) to 7 March's (1000).
    const week = performanceBetween(ledger, { from: time('2024-03-04T00:00:00Z'), to: time('2024-03-08T00:00:00Z'), method: 'FIFO', prices });
    expectDecimal(week.start.value, '1200');
    expectDecimal(week.end.value, '1000');
    expectDecimal(week.unrealizedPnl, '-200');
    expectDecimal(week.roi!, new Decimal(-200).div(1200));
    // 1 to 4 March and 4 to 8 March make 1 to 8 March: +200 then −200, nothing lost at the seam.
    const before = performanceBetween(ledger, { from: time('2024-03-01T00:00:00Z'), to: time('2024-03-04T00:00:00Z'), method: 'FIFO', prices });
    const whole = performanceBetween(ledger, { from: time('2024-03-01T00:00:00Z'), to: time('2024-03-08T00:00:00Z'), method: 'FIFO', prices });
    expectDecimal(before.unrealizedPnl, '200');
    expectDecimal(whole.unrealizedPnl, '0');
    expectDecimal(whole.twr!, new Decimal(1).plus(before.twr!).times(new Decimal(1).plus(week.twr!)).minus(1));
  });
});
