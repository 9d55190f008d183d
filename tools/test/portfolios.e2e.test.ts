import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { print } from 'graphql';
import pg from 'pg';
import { BusEvent, INTERNAL_TOKEN_HEADER, ORDERS_FILLED, OrdersFilledEvent } from '@herck/common';
import { ordersEventHandlers } from '../../subgraphs/analysis/src/modules/portfolio/orders-events.handler';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { connectToDatabase } from './support/database-client';
import { codes, send, sendRaw } from './support/graphql-client';
import {
  AddTransactionDocument,
  CreatePortfolioDocument,
  CreateStrategyDocument,
  DeleteAccountDocument,
  DeletePortfolioDocument,
  DeleteTransactionDocument,
  ImportCandlesDocument,
  PlaceBuyOrderDocument,
  PortfolioPerformanceDocument,
  PortfoliosDocument,
  PortfolioValuationDocument,
  RenamePortfolioDocument,
  TransactionsDocument,
  TransactionsQuery,
} from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { orderPricesReady } from './support/orders';
import { startRecordedProviders } from './support/recorded-providers';
import { ADMIN_PASSWORD, adminEnv, eventually, logIn, logInAdmin, signUp, SignedUpUser } from './support/users';

const ADMIN_EMAIL = 'portfolios-admin@example.com';

let providers: ReplayServer;
let platform: TestPlatform;
let owner: SignedUpUser;
let stranger: SignedUpUser;

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform({ ...adminEnv(ADMIN_EMAIL), ...recorded.env }, { market: {}, analysis: {}, orders: {} });
  [owner, stranger] = await Promise.all([signUp(platform), signUp(platform)]);
  const admin = await logInAdmin(platform);
  // Daily closes of ETH on 5, 6 and 7 January 2026: 1000, 1100, 1210 USD.
  const csv = ['time,open,high,low,close,volume', '2026-01-05,990,1010,980,1000,5', '2026-01-06,1000,1120,995,1100,5', '2026-01-07,1100,1220,1090,1210,5'].join('\n');
  const imported = await send(platform.gatewayUrl, ImportCandlesDocument, { symbol: 'ETH', interval: 'D1', csv }, admin.accessToken);
  expect(imported.data?.importCandles.imported).toBe(3);
  await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute("SELECT 1 FROM candles WHERE symbol = 'ETH' AND interval = 'D1'")).length === 3, 20_000);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

/** The order's `orders.filled` event on the bus once more (another entry, as after a relay's retry). */
async function announceFillAgain(orderId: string): Promise<void> {
  const bus = new pg.Client({ connectionString: platform.orders!.runtime.config.busUrl });
  await bus.connect();
  try {
    await bus.query("INSERT INTO bus_events (id, type, source, payload) SELECT gen_random_uuid(), type, source, payload FROM bus_events WHERE type = 'orders.filled' AND payload->>'orderId' = $1", [orderId]);
  } finally {
    await bus.end();
  }
}

/** Valuations analysis has calculated so far (holdings and balance are figures of one). */
const valuations = () => platform.analysis!.calculator.calculated.valuation;

const add = (portfolioId: string, input: Record<string, unknown>, user = owner) =>
  send(platform.gatewayUrl, AddTransactionDocument, { portfolioId, input: input as never }, user.accessToken);

describe('portfolios', () => {
  it('value holdings at historical dates from daily closes, and never guess a missing one', async () => {
    const created = await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Long ETH' }, owner.accessToken);
    const portfolio = created.data!.createPortfolio;
    expect(portfolio).toMatchObject({ baseCurrency: 'USD', costBasisMethod: 'FIFO', isDefault: false });
    expect((await add(portfolio.id, { kind: 'DEPOSIT', quantity: '10000', price: '1', time: '2026-01-05T10:00:00Z' })).errors).toBeUndefined();
    expect((await add(portfolio.id, { kind: 'BUY', symbol: 'eth', quantity: '2', price: '1000', time: '2026-01-05T12:00:00Z' })).errors).toBeUndefined();
    expect((await add(portfolio.id, { kind: 'SELL', symbol: 'ETH', quantity: '1', price: '1100', time: '2026-01-06T12:00:00Z' })).errors).toBeUndefined();

    // On 7 January: cash 10000 − 2000 + 1100 = 9100; 1 ETH left costing 1000, worth 1210 (that day's close).
    const valuationsBefore = valuations();
    const valued = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id, at: '2026-01-07T12:00:00Z' }, owner.accessToken)).data!.portfolio;
    // Its holdings and its balance come from one valuation.
    expect(valuations() - valuationsBefore).toBe(1);
    expect(valued.holdings).toEqual([{ symbol: 'ETH', quantity: '1', costBasis: '1000', averageCost: '1000', marketValue: '1210', unrealizedPnl: '210' }]);
    expect(valued.balance).toEqual({ value: '10310', cost: '1000', cash: '9100', complete: true, missingPrices: [] });

    // 10 January has no close: listed, and the value leaves the holding out.
    const missing = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id, at: '2026-01-10T12:00:00Z' }, owner.accessToken)).data!.portfolio;
    expect(missing.balance).toMatchObject({ value: '9100', complete: false, missingPrices: [{ symbol: 'ETH', date: '2026-01-10' }] });
    expect(missing.holdings[0]).toMatchObject({ marketValue: null, unrealizedPnl: null });

    // Over 5–7 January: gain 10310 − 0 − 10000 = 310 on 10000 paid in; 100 realised, 210 unrealised.
    const performance = (await send(platform.gatewayUrl, PortfolioPerformanceDocument, { id: portfolio.id, from: '2026-01-05T00:00:00Z', to: '2026-01-07T12:00:00Z' }, owner.accessToken)).data!.portfolio.performance;
    expect(performance).toMatchObject({ roi: '0.031', realizedPnl: '100', unrealizedPnl: '210', complete: true, missingPrices: [] });
    expect(Number(performance.twr)).toBeCloseTo(0.031, 10);
    // Performance to the moment holdings and balance are asked at ends in that valuation: one calculation for the three, whichever field comes first.
    const figures = '{ value cost cash complete }';
    for (const query of [
      `query ($id: ID!, $at: DateTime!) { portfolio(id: $id) { holdings(at: $at) { symbol marketValue } balance(at: $at) ${figures} performance(from: "2026-01-05T00:00:00Z", to: $at) { roi realizedPnl unrealizedPnl } } }`,
      `query ($id: ID!, $at: DateTime!) { portfolio(id: $id) { performance(from: "2026-01-05T00:00:00Z", to: $at) { roi realizedPnl unrealizedPnl } balance(at: $at) ${figures} holdings(at: $at) { symbol marketValue } } }`,
    ]) {
      const calculatedBefore = { ...platform.analysis!.calculator.calculated };
      const together = (await sendRaw<{ portfolio: Record<string, unknown> }>(platform.gatewayUrl, { query, variables: { id: portfolio.id, at: '2026-01-07T12:00:00Z' } }, owner.accessToken)).data!.portfolio;
      expect(together).toEqual({
        holdings: [{ symbol: 'ETH', marketValue: '1210' }],
        balance: { value: '10310', cost: '1000', cash: '9100', complete: true },
        performance: { roi: '0.031', realizedPnl: '100', unrealizedPnl: '210' },
      });
      const calculated = platform.analysis!.calculator.calculated;
      expect([calculated.valuation - calculatedBefore.valuation, calculated.performance - calculatedBefore.performance]).toEqual([0, 1]);
    }
    // Through 10 January, which has no close: no return and no change of unrealised profit is guessed (a holding without a price would count as none).
    const incomplete = (await send(platform.gatewayUrl, PortfolioPerformanceDocument, { id: portfolio.id, from: '2026-01-05T00:00:00Z', to: '2026-01-10T12:00:00Z' }, owner.accessToken)).data!.portfolio.performance;
    expect(incomplete).toMatchObject({ roi: null, twr: null, xirr: null, realizedPnl: '100', unrealizedPnl: null, complete: false, missingPrices: [{ symbol: 'ETH', date: '2026-01-10' }] });

    // Selling more than is held is refused, and nothing is written.
    expect(codes(await add(portfolio.id, { kind: 'SELL', symbol: 'ETH', quantity: '5', price: '1100', time: '2026-01-07T12:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
    // So is a time before 1970: a typo (year 1 came back from storage as another century).
    const ancient = await add(portfolio.id, { kind: 'BUY', symbol: 'ETH', quantity: '1', price: '1', time: '0001-01-01T00:00:00Z' });
    expect(ancient.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'time']]);
    // A time in the future, even half a minute ahead, and a FEE naming something that is no asset's symbol.
    const ahead = await add(portfolio.id, { kind: 'DEPOSIT', quantity: '1', price: '1', time: new Date(Date.now() + 30_000).toISOString() });
    expect(ahead.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'time']]);
    const longSymbol = await add(portfolio.id, { kind: 'FEE', symbol: 'X'.repeat(20_000), quantity: '1', price: '1', time: '2026-01-07T12:00:00Z' });
    expect(longSymbol.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'symbol']]);
    // Worked examples from before crypto assets (Excel's XIRR flows are in 2008) are taken.
    const examples = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'examples' }, owner.accessToken)).data!.createPortfolio;
    expect((await add(examples.id, { kind: 'DEPOSIT', quantity: '10000', price: '1', time: '2008-01-01T00:00:00Z' })).errors).toBeUndefined();
    // Cash written without a price is at 1, and without a time it happened now; a trade needs its price.
    const before = Date.now();
    const plainDeposit = (await add(examples.id, { kind: 'DEPOSIT', quantity: '250.5' })).data?.addTransaction;
    expect(plainDeposit).toMatchObject({ kind: 'DEPOSIT', quantity: '250.5', price: '1' });
    expect(Date.parse(plainDeposit!.time)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(plainDeposit!.time)).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await add(examples.id, { kind: 'FEE', quantity: '2', price: null, time: null })).data?.addTransaction).toMatchObject({ kind: 'FEE', price: '1' });
    const unpriced = await add(examples.id, { kind: 'BUY', symbol: 'ETH', quantity: '1', time: '2026-01-07T12:00:00Z' });
    expect(unpriced.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'price']]);
    const listed = await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: portfolio.id }, owner.accessToken);
    expect(listed.data!.transactions.nodes.map((node) => node.kind)).toEqual(['SELL', 'BUY', 'DEPOSIT']);
    // Deleting the buy would leave the sale without units: refused, naming deleteTransaction's argument
    // (it named the later sale's `quantity`, a field deleteTransaction does not have).
    const buy = listed.data!.transactions.nodes.find((node) => node.kind === 'BUY')!;
    const dependedOn = await send(platform.gatewayUrl, DeleteTransactionDocument, { id: buy.id }, owner.accessToken);
    expect(dependedOn.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'id']]);

    // Another user sees none of it.
    expect(codes(await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id }, stranger.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await add(portfolio.id, { kind: 'DEPOSIT', quantity: '1', price: '1', time: '2026-01-05T10:00:00Z' }, stranger))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, DeleteTransactionDocument, { id: buy.id }, stranger.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, RenamePortfolioDocument, { id: portfolio.id, name: 'mine' }, stranger.accessToken))).toEqual(['NOT_FOUND']);
    expect((await send(platform.gatewayUrl, PortfoliosDocument, {}, stranger.accessToken)).data!.portfolios).toEqual([]);
    expect((await send(platform.gatewayUrl, RenamePortfolioDocument, { id: portfolio.id, name: 'ETH' }, owner.accessToken)).data!.renamePortfolio.name).toBe('ETH');
    expect(codes(await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'x', baseCurrency: 'XYZ' }, owner.accessToken))).toEqual(['BAD_USER_INPUT']);
    // `costBasisMethod: CostBasisMethod = FIFO`, as the issue writes it: null means the default.
    const byDefault = await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'defaults', costBasisMethod: null }, owner.accessToken);
    expect(byDefault.data?.createPortfolio).toMatchObject({ baseCurrency: 'USD', costBasisMethod: 'FIFO' });
    expect((await send(platform.gatewayUrl, DeletePortfolioDocument, { id: portfolio.id }, owner.accessToken)).data!.deletePortfolio).toBe(true);
  });

  it("value midnight at the close of the day that just ended, so that a day's performance runs from the close before it to its own", async () => {
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'day by day' }, owner.accessToken)).data!.createPortfolio;
    expect((await add(id, { kind: 'DEPOSIT', quantity: '10000', time: '2026-01-05T10:00:00Z' })).errors).toBeUndefined();
    expect((await add(id, { kind: 'BUY', symbol: 'ETH', quantity: '2', price: '1000', time: '2026-01-05T12:00:00Z' })).errors).toBeUndefined();
    // 6 January, midnight to midnight: from 5 January's close (8000 + 2 × 1000) to 6 January's (8000 + 2 × 1100).
    const day = (await send(platform.gatewayUrl, PortfolioPerformanceDocument, { id, from: '2026-01-06T00:00:00Z', to: '2026-01-07T00:00:00Z' }, owner.accessToken)).data!.portfolio.performance;
    expect(day).toMatchObject({ roi: '0.02', twr: '0.02', realizedPnl: '0', unrealizedPnl: '200', complete: true, missingPrices: [] });
    const midnight = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id, at: '2026-01-06T00:00:00Z' }, owner.accessToken)).data!.portfolio;
    expect(midnight.balance).toEqual({ value: '10000', cost: '2000', cash: '8000', complete: true, missingPrices: [] });
    expect((await send(platform.gatewayUrl, DeletePortfolioDocument, { id }, owner.accessToken)).data!.deletePortfolio).toBe(true);
  });

  it('give a loss over a day or two an XIRR, as they give a gain one (it annualises to just above −1, not to none)', async () => {
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'bought high' }, owner.accessToken)).data!.createPortfolio;
    // 1500 paid for 1 ETH at noon on 6 January, worth 1210 (the close) a day later.
    expect((await add(id, { kind: 'BUY', symbol: 'ETH', quantity: '1', price: '1500', time: '2026-01-06T12:00:00Z' })).errors).toBeUndefined();
    const performance = (await send(platform.gatewayUrl, PortfolioPerformanceDocument, { id, from: '2026-01-06T00:00:00Z', to: '2026-01-07T12:00:00Z' }, owner.accessToken)).data!.portfolio.performance;
    // ROI = TWR = (1210 − 1500) / 1500; XIRR: (1210 / 1500)^365 − 1 = −1 + 4e−35, which is −1 to 12 decimals.
    // Only a gain's huge rates were searched: a loss whose rate lies below −0.999999 came back null though complete.
    expect(performance).toMatchObject({ complete: true, missingPrices: [] });
    expect(new Decimal(performance.roi!).minus(new Decimal(-290).div(1500)).abs().lt('1e-15')).toBe(true);
    expect(new Decimal(performance.twr!).minus(new Decimal(-290).div(1500)).abs().lt('1e-15')).toBe(true);
    expect(performance.xirr).toBe('-1');
  });

  it('list transactions newest first, those at one time in the reverse of the order they were entered, a page at a time (also after the entry of a cursor was deleted)', async () => {
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'same time' }, owner.accessToken)).data!.createPortfolio;
    const entered: string[] = [];
    for (const quantity of ['10', '20', '30', '40']) {
      entered.push((await add(id, { kind: 'DEPOSIT', quantity, price: '1', time: '2026-01-10T00:00:00.000Z' })).data!.addTransaction.id);
    }
    // By random id they came out in any order; the ledger counts them in the order entered.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const answer: { data?: TransactionsQuery | null } = await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: id, first: 1, after }, owner.accessToken);
      const page = answer.data!.transactions;
      walked.push(...page.nodes.map((node) => node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor! : null;
    } while (after);
    expect(walked).toEqual([...entered].reverse());

    // The entry a cursor came from deleted meanwhile: the next page goes on after its place, nothing repeated.
    const firstPage = (await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: id, first: 2 }, owner.accessToken)).data!.transactions;
    expect((await send(platform.gatewayUrl, DeleteTransactionDocument, { id: firstPage.nodes[1]!.id }, owner.accessToken)).data?.deleteTransaction).toBe(true);
    const rest = (await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: id, first: 10, after: firstPage.pageInfo.endCursor }, owner.accessToken)).data!.transactions;
    expect(rest.nodes.map((node) => node.id)).toEqual([entered[1], entered[0]]);
    for (const after of ['bm90IGEgY3Vyc29y', Buffer.from(JSON.stringify(['transactions', '2026-01-10T00:00:00.000Z', '9999999999999999999'])).toString('base64url')]) {
      expect(codes(await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: id, first: 1, after }, owner.accessToken))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('value a portfolio in another currency with the day’s FX rate', async () => {
    await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute("SELECT 1 FROM daily_fx WHERE currency = 'EUR'")).length > 0 && (await platform.analysis!.runtime.orm.em.fork().execute("SELECT 1 FROM latest_prices WHERE symbol = 'BTC'")).length > 0, 20_000);
    const portfolio = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'In euros', baseCurrency: 'eur', costBasisMethod: 'AVERAGE' }, owner.accessToken)).data!.createPortfolio;
    expect(portfolio).toMatchObject({ baseCurrency: 'EUR', costBasisMethod: 'AVERAGE' });
    const now = new Date().toISOString();
    // Bought in USD: 100000 USD × 0.88051 EUR/USD = 88051 EUR of cost.
    expect((await add(portfolio.id, { kind: 'BUY', symbol: 'BTC', quantity: '1', price: '100000', currency: 'USD', time: now })).errors).toBeUndefined();
    const startOfToday = () => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    /**
     * The portfolio valued now, by each way of asking for now. Today's price is the latest one seen today: in a day's
     * first moments, until its first round reaches analysis, there is none (a valuation then missed BTC's price). So
     * they wait for today's price, and are asked again when the day ended while they were asked.
     */
    const valuedNow = async () => {
      const day = startOfToday();
      await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute("SELECT 1 FROM latest_prices WHERE symbol = 'BTC' AND time >= ?", [day])).length > 0, 20_000);
      const valuationsBefore = valuations();
      const valued = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id }, owner.accessToken)).data!.portfolio;
      const valuedTimes = valuations() - valuationsBefore;
      // With a performance to a time still to come (now, too): still one valuation, the performance's end.
      const calculatedBefore = { ...platform.analysis!.calculator.calculated };
      const withPerformance = `query ($id: ID!, $to: DateTime!) { portfolio(id: $id) {
        performance(from: "2026-01-01T00:00:00Z", to: $to) { complete }
        holdings { symbol quantity costBasis averageCost marketValue unrealizedPnl }
      } }`;
      const nextYearTo = new Date(Date.now() + 365 * 86_400_000).toISOString();
      const shared = (await sendRaw<{ portfolio: { holdings: unknown } }>(platform.gatewayUrl, { query: withPerformance, variables: { id: portfolio.id, to: nextYearTo } }, owner.accessToken)).data!.portfolio;
      const calculated = platform.analysis!.calculator.calculated;
      const sharedCalculations = [calculated.valuation - calculatedBefore.valuation, calculated.performance - calculatedBefore.performance];
      const nextYear = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id, at: new Date(Date.now() + 365 * 86_400_000).toISOString() }, owner.accessToken)).data!.portfolio;
      return { day, valued, valuedTimes, shared, sharedCalculations, nextYear };
    };
    let answers = await valuedNow();
    if (answers.day.getTime() !== startOfToday().getTime()) answers = await valuedNow();
    const { valued, valuedTimes, shared, sharedCalculations, nextYear } = answers;
    // Holdings and balance "now" are of one moment, valued once.
    expect(valuedTimes).toBe(1);
    // Today's price is the latest one: 104612 USD × 0.88051 = 92111.91212 EUR.
    expect(valued.holdings).toEqual([{ symbol: 'BTC', quantity: '1', costBasis: '88051', averageCost: '88051', marketValue: '92111.91212', unrealizedPnl: '4060.91212' }]);
    expect(valued.balance).toMatchObject({ cost: '88051', complete: true });
    expect(shared.holdings).toEqual(valued.holdings);
    expect(sharedCalculations).toEqual([0, 1]);
    // A moment still to come is now, as for performance: no price is missing for a day that has not come.
    expect([nextYear.holdings, nextYear.balance]).toEqual([valued.holdings, valued.balance]);
    // A valuation after a change made earlier in the same request is calculated anew, not taken from one before it.
    const change = `mutation ($id: ID!) {
      before: renamePortfolio(id: $id, name: "In euros") { balance { cash } }
      deposit: addTransaction(portfolioId: $id, input: { kind: DEPOSIT, quantity: "5" }) { id }
      after: renamePortfolio(id: $id, name: "In euros") { balance { cash } }
    }`;
    const changed = (await sendRaw<Record<'before' | 'after', { balance: { cash: string } }>>(platform.gatewayUrl, { query: change, variables: { id: portfolio.id } }, owner.accessToken)).data!;
    expect(new Decimal(changed.after.balance.cash).minus(changed.before.balance.cash).toFixed()).toBe('5');
  });

  it('convert an amount entered in another currency as one amount, not its unit price multiplied back', async () => {
    await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute("SELECT 1 FROM daily_fx WHERE currency = 'EUR'")).length > 0, 20_000);
    const portfolio = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Round amounts', baseCurrency: 'USD' }, owner.accessToken)).data!.createPortfolio;
    const now = new Date().toISOString();
    // 880.51 EUR at 0.88051 EUR per USD is 1000 USD. The unit price converted (1 EUR = 1.1357054434361903897 USD, to 20
    // digits) and multiplied back by 880.51 came to 1000.000000000000000034747.
    expect((await add(portfolio.id, { kind: 'DEPOSIT', quantity: '880.51', currency: 'EUR', time: now })).errors).toBeUndefined();
    // 2 at 440.255 EUR is 880.51 EUR, so 1000 USD of cost.
    expect((await add(portfolio.id, { kind: 'BUY', symbol: 'BTC', quantity: '2', price: '440.255', currency: 'EUR', time: now })).errors).toBeUndefined();
    const valued = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id }, owner.accessToken)).data!.portfolio;
    expect(valued.holdings.map(({ symbol, costBasis, averageCost }) => ({ symbol, costBasis, averageCost }))).toEqual([{ symbol: 'BTC', costBasis: '1000', averageCost: '500' }]);
    expect([valued.balance.cash, valued.balance.cost]).toEqual(['0', '1000']);
  });

  it('take a time a moment ahead of the server\'s clock as now, counted at once, and a note of only spaces as none', async () => {
    const portfolio = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Clock ahead', baseCurrency: 'USD' }, owner.accessToken)).data!.createPortfolio;
    const ahead = new Date(Date.now() + 3_000);
    const added = (await add(portfolio.id, { kind: 'DEPOSIT', quantity: '5', time: ahead.toISOString(), note: '   ' })).data!.addTransaction;
    expect(added.note).toBeNull();
    expect(new Date(added.time).getTime()).toBeLessThan(ahead.getTime());
    // Stored ahead, it counted nowhere until then, not even "at" a time to come (which is now).
    const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
    for (const at of [undefined, nextYear]) expect((await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id, at }, owner.accessToken)).data!.portfolio.balance.cash).toBe('5');
    expect(codes(await add(portfolio.id, { kind: 'DEPOSIT', quantity: '5', time: new Date(Date.now() + 60_000).toISOString() }))).toEqual(['BAD_USER_INPUT']);
  });

  it('record a filled order exactly once in the owner’s default portfolio, even when its event comes twice', async () => {
    await orderPricesReady(platform);
    const order = (await send(platform.gatewayUrl, PlaceBuyOrderDocument, { input: { asset: 'BTC', currency: 'EUR', amount: '1000.00', idempotencyKey: randomUUID() } }, owner.accessToken)).data!.placeBuyOrder;
    const defaultPortfolio = async () => (await send(platform.gatewayUrl, PortfoliosDocument, {}, owner.accessToken)).data!.portfolios.find((portfolio) => portfolio.isDefault);
    await eventually(async () => Boolean(await defaultPortfolio()), 20_000);
    const portfolio = (await defaultPortfolio())!;
    const transactions = async () => (await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: portfolio.id }, owner.accessToken)).data!.transactions.nodes;
    await eventually(async () => (await transactions()).length === 1, 10_000);
    expect((await transactions())[0]).toMatchObject({ kind: 'BUY', symbol: 'BTC', quantity: order.quantity, price: order.price, currency: 'EUR', sourceId: order.id });
    // What the amount bought beyond quantity × price is its fee, exact in the order's currency.
    const exact = Decimal.clone({ precision: 100 });
    expect((await transactions())[0]!.fee).toBe(new exact('1000').minus(new exact(order.quantity).times(order.price)).toFixed());

    // The same event delivered again (another bus entry, as after a relay's retry) changes nothing.
    await announceFillAgain(order.id);
    await platform.analysis!.runtime.catchUpEvents();
    expect(await transactions()).toHaveLength(1);
    // Its value in USD: the order's EUR price at the order's own rate; its cost, the amount paid converted once.
    const valued = (await send(platform.gatewayUrl, PortfolioValuationDocument, { id: portfolio.id }, owner.accessToken)).data!.portfolio;
    expect(valued.holdings[0]).toMatchObject({ symbol: 'BTC', quantity: order.quantity, costBasis: new Decimal('1000').div(order.fxRate).toFixed() });
    // The record of a fill stays while its portfolio does (the schema says so): the order stays in orders.
    const fill = (await transactions())[0]!;
    expect(codes(await send(platform.gatewayUrl, DeleteTransactionDocument, { id: fill.id }, owner.accessToken))).toEqual(['BAD_USER_INPUT']);
    expect(await transactions()).toHaveLength(1);

    // Also once its portfolio is deleted: the event coming again opens no new portfolio holding that one order.
    expect((await send(platform.gatewayUrl, DeletePortfolioDocument, { id: portfolio.id }, owner.accessToken)).data?.deletePortfolio).toBe(true);
    await announceFillAgain(order.id);
    await platform.analysis!.runtime.catchUpEvents();
    expect(await defaultPortfolio()).toBeUndefined();
  });

  it('go, with their orders, when their owner’s account is deleted', async () => {
    const leaving = await signUp(platform);
    await eventually(async () => Boolean(platform.orders!.prices.price('BTC')), 20_000);
    const order = (await send(platform.gatewayUrl, PlaceBuyOrderDocument, { input: { asset: 'BTC', currency: 'USD', amount: '100.00', idempotencyKey: randomUUID() } }, leaving.accessToken)).data!.placeBuyOrder;
    await eventually(async () => (await send(platform.gatewayUrl, PortfoliosDocument, {}, leaving.accessToken)).data!.portfolios.length === 1, 20_000);
    const admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: leaving.accountId }, admin.accessToken)).data?.deleteAccount).toBe(true);

    const left = async (subgraph: 'orders' | 'analysis', table: string) => (await platform[subgraph]!.runtime.orm.em.fork().execute(`SELECT 1 FROM ${table} WHERE owner_id = ?`, [leaving.accountId])).length;
    await eventually(async () => (await left('orders', 'orders')) === 0 && (await left('analysis', 'portfolios')) === 0, 20_000);
    // Nothing any more names an owner who is gone.
    const everyOrder = await sendRaw<{ allOrders: { nodes: { id: string; owner: { username: string } }[] } }>(platform.gatewayUrl, { query: '{ allOrders(first: 100) { nodes { id owner { username } } } }' }, admin.accessToken);
    expect(everyOrder.errors).toBeUndefined();
    expect(everyOrder.data!.allOrders.nodes.map((node) => node.id)).not.toContain(order.id);

    // Late news changes nothing: the fill announced again (as a relay would, after the deletion)
    // opens no portfolio, and an order placed now (the gateway's session check lags a few seconds) is refused.
    await announceFillAgain(order.id);
    await platform.analysis!.runtime.catchUpEvents();
    expect(await left('analysis', 'portfolios')).toBe(0);
    const internal = platform.internalTokenSigner().sign({ accountId: leaving.accountId, roles: ['USER'] }, 'orders');
    const late = await sendRaw(platform.orders!.url, { query: print(PlaceBuyOrderDocument), variables: { input: { asset: 'BTC', currency: 'USD', amount: '100.00', idempotencyKey: randomUUID() } } }, undefined, { [INTERNAL_TOKEN_HEADER]: internal });
    expect(codes(late)).toEqual(['UNAUTHENTICATED']);
    expect(await left('orders', 'orders')).toBe(0);
    // Nor does analysis make a portfolio or a strategy for them (they would never be removed).
    const asLeaving = { [INTERNAL_TOKEN_HEADER]: platform.internalTokenSigner().sign({ accountId: leaving.accountId, roles: ['USER'] }, 'analysis') };
    const portfolio = await sendRaw(platform.analysis!.url, { query: print(CreatePortfolioDocument), variables: { name: 'Too late' } }, undefined, asLeaving);
    const strategy = await sendRaw(platform.analysis!.url, { query: print(CreateStrategyDocument), variables: { input: { name: 'Too late', symbols: ['BTC'], indicators: [], condition: 'price > 1.0' } } }, undefined, asLeaving);
    expect([codes(portfolio), codes(strategy)]).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED']]);
    expect([await left('analysis', 'portfolios'), await left('analysis', 'strategies')]).toEqual([0, 0]);
  }, 60_000);
});

describe('a filled order applied while its default portfolio is being deleted', () => {
  it('lands in a new default portfolio, without failing the batch that applies it', async () => {
    const user = await signUp(platform);
    const fill = (): BusEvent => {
      const payload: OrdersFilledEvent = { orderId: randomUUID(), ownerId: user.accountId, asset: 'BTC', currency: 'USD', amount: '100', price: '50000', fxRate: '1', quantity: '0.002', filledAt: new Date().toISOString() };
      return { position: '0', id: randomUUID(), type: ORDERS_FILLED, source: 'orders', payload: payload as unknown as Record<string, unknown>, createdAt: new Date() };
    };
    // Applied as the bus consumer applies an event: in a transaction of the batch.
    const apply = (event: BusEvent) => platform.analysis!.runtime.orm.em.fork().transactional((tx) => ordersEventHandlers[ORDERS_FILLED]!(event, tx));
    const defaultPortfolio = async () => (await send(platform.gatewayUrl, PortfoliosDocument, {}, user.accessToken)).data!.portfolios.find((portfolio) => portfolio.isDefault);
    await apply(fill());
    const first = (await defaultPortfolio())!;
    const [deletion, watcher] = [await connectToDatabase(platform.analysis!.runtime.config.databaseUrl), await connectToDatabase(platform.analysis!.runtime.config.databaseUrl)];
    try {
      // The owner's deletion has the portfolio locked when the fill's turn comes; it commits while the fill waits.
      await deletion.query('BEGIN');
      await deletion.query('SELECT 1 FROM portfolios WHERE id = $1 FOR UPDATE', [first.id]);
      const second = fill();
      const applying = apply(second);
      await eventually(async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%portfolios%'`)).rowCount! > 0, 20_000);
      await deletion.query('DELETE FROM portfolios WHERE id = $1', [first.id]);
      await deletion.query('COMMIT');
      // It finds the portfolio gone and opens a new one (it failed, and its batch was rolled back and replayed, with a warning).
      await applying;
      const now = (await defaultPortfolio())!;
      expect(now.id).not.toBe(first.id);
      const transactions = (await send(platform.gatewayUrl, TransactionsDocument, { portfolioId: now.id }, user.accessToken)).data!.transactions.nodes;
      expect(transactions.map((transaction) => transaction.sourceId)).toEqual([second.payload.orderId]);
    } finally {
      await Promise.all([deletion, watcher].map((client) => client.end()));
    }
  });
});
