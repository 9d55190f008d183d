import { createHmac } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send, sendRaw } from './support/graphql-client';
import {
  AddTransactionDocument,
  AlertsDocument,
  BacktestStrategyDocument,
  CreatePortfolioDocument,
  CreateStrategyDocument,
  CreateStrategyInput,
  DeactivateAccountDocument,
  DeletePortfolioDocument,
  DeleteTransactionDocument,
  ImportCandlesDocument,
  PortfolioPerformanceDocument,
  ReactivateAccountDocument,
  RenamePortfolioDocument,
  SetStrategyEnabledDocument,
  StrategyDocument,
  TransactionInput,
  UpdateStrategyDocument,
  ValidateConditionDocument,
  WebhookDeliveriesDocument,
} from './support/operations.generated';
import { connectToDatabase } from './support/database-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * Contract checks of issues 8 and 9 as a client sees them through the gateway:
 * operations, error codes and worked examples, each computed by hand.
 */
const DAY_MS = 86_400_000;

let providers: ReplayServer;
let platform: TestPlatform;
let user: SignedUpUser;
let stranger: SignedUpUser;
let admin: { accessToken: string };
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let receiver: http.Server;
let receiverUrl = '';

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform({ ...adminEnv('analysis-contract-admin@example.com'), WEBHOOK_ALLOW_PRIVATE: 'true', ...recorded.env }, { market: {}, analysis: {} });
  [user, stranger] = await Promise.all([signUp(platform), signUp(platform)]);
  admin = await logInAdmin(platform);
  // Strategies may watch what market has announced: wait for analysis to have seen a round.
  await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute('SELECT 1 FROM symbols')).length === 2, 20_000);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
}, 60_000);

const backtest = (variables: { id: string; from: string; to: string }, token: string) => send(platform.gatewayUrl, BacktestStrategyDocument, variables, token);
const strategyOf = async (id: string, token: string) => (await send(platform.gatewayUrl, StrategyDocument, { id }, token)).data!.strategy;
const createStrategy = async (input: Partial<CreateStrategyInput>, token: string) => {
  const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'contract', symbols: ['BTC'], indicators: [], condition: 'price > 1.0', ...input } }, token);
  expect(created.errors).toBeUndefined();
  return created.data!.createStrategy;
};

/** Puts a market event on the bus, as market publishes it, and lets analysis apply it. */
async function publishToAnalysis(type: string, payload: object): Promise<void> {
  const bus = await connectToDatabase(platform.analysis!.runtime.config.busUrl);
  try {
    await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), $1, 'market', $2)", [type, JSON.stringify(payload)]);
  } finally {
    await bus.end();
  }
  await platform.analysis!.runtime.catchUpEvents();
}

/** A round quoting one symbol now. */
const publishTick = (symbol: string, price: string) =>
  publishToAnalysis('market.tick', { time: new Date().toISOString(), prices: [{ symbol, price, source: 'test', volume24h: null, change24h: null }] });

describe('backtests', () => {
  it('reach all history for ADMIN: a range from 1970 is replayed, not refused for candles that are not stored', async () => {
    const { strategy } = await createStrategy({ symbols: ['BTC', 'ETH'], interval: 'M1' }, admin.accessToken);
    const all = await backtest({ id: strategy.id, from: '1970-01-01T00:00:00Z', to: new Date().toISOString() }, admin.accessToken);
    expect(all.errors).toBeUndefined();
    expect(all.data!.backtestStrategy.summary).toEqual(expect.objectContaining({ count: expect.any(Number) }));
    // From the first day the DateTime scalar takes: the day before it (year 0) is no date to read closes from.
    const yearOne = await backtest({ id: strategy.id, from: '0001-01-01T00:00:00Z', to: '0001-01-02T00:00:00Z' }, admin.accessToken);
    expect(yearOne.errors).toBeUndefined();
    expect(yearOne.data!.backtestStrategy.summary.count).toBe(0);
  });

  it('reach all history for ADMIN over a series with a long gap: the candles stored count, not the time between them', async () => {
    // Three minutes imported two years ago and one ten minutes ago: four candles stored, 1,051,201 minutes apart.
    const minute = 60_000;
    const old = Math.floor((Date.now() - 730 * DAY_MS) / minute) * minute;
    const recent = Math.floor((Date.now() - 10 * minute) / minute) * minute;
    const csv = ['time,open,high,low,close,volume', ...[old, old + minute, old + 2 * minute, recent].map((time) => `${new Date(time).toISOString()},5,5,5,5,1`)].join('\n');
    const imported = await send(platform.gatewayUrl, ImportCandlesDocument, { symbol: 'ETH', interval: 'M1', csv }, admin.accessToken);
    expect(imported.data?.importCandles.imported).toBe(4);
    const { strategy } = await createStrategy({ symbols: ['ETH'], interval: 'M1', condition: 'price < 6.0', trigger: 'ON_CLOSE' }, admin.accessToken);
    const range = { id: strategy.id, from: '1970-01-01T00:00:00Z', to: new Date().toISOString() };
    // Each imported close fires (live ones, far above 6, do not): once analysis holds all four (or the range is refused), the answer stands.
    let answer = await backtest(range, admin.accessToken);
    await eventually(async () => {
      answer = await backtest(range, admin.accessToken);
      return Boolean(answer.errors) || answer.data!.backtestStrategy.summary.count >= 4;
    }, 20_000);
    expect(codes(answer)).toEqual([]);
    expect(answer.data!.backtestStrategy.summary).toMatchObject({ count: 4, firstAt: new Date(old + minute).toISOString() });

    // Two candles 300 days apart weighed 432,001 candles' work (0.72 of the largest backtest): six such
    // backtests side by side passed BACKTEST_WORK_PER_ACCOUNT (4) and the sixth was RATE_LIMITED. They weigh two candles each.
    const yearAgo = Math.floor((Date.now() - 300 * DAY_MS) / minute) * minute;
    const twoCandles = ['time,open,high,low,close,volume', ...[yearAgo, recent].map((time) => `${new Date(time).toISOString()},5,5,5,5,1`)].join('\n');
    expect((await send(platform.gatewayUrl, ImportCandlesDocument, { symbol: 'BTC', interval: 'M1', csv: twoCandles }, admin.accessToken)).data?.importCandles.imported).toBe(2);
    const sparse = await createStrategy({ symbols: ['BTC'], interval: 'M1', condition: 'price < 6.0', trigger: 'ON_CLOSE' }, admin.accessToken);
    const sparseRange = { id: sparse.strategy.id, from: new Date(yearAgo).toISOString(), to: new Date().toISOString() };
    await eventually(async () => (await backtest(sparseRange, admin.accessToken)).data?.backtestStrategy.summary.count === 2, 20_000);
    const aliases = Array.from({ length: 8 }, (_, n) => `b${n}: backtestStrategy(id: $id, from: $from, to: $to) { summary { count } }`).join(' ');
    const sideBySide = await sendRaw<Record<string, { summary: { count: number } }>>(platform.gatewayUrl, { query: `query ($id: ID!, $from: DateTime!, $to: DateTime!) { ${aliases} }`, variables: sparseRange }, admin.accessToken);
    expect(codes(sideBySide)).toEqual([]);
    expect(Object.values(sideBySide.data!).map((answered) => answered.summary.count)).toEqual(Array(8).fill(2));
  });

  it('reach back exactly 90 days for USER; an older `from` is FORBIDDEN and another user’s strategy NOT_FOUND', async () => {
    const { strategy } = await createStrategy({ symbols: ['BTC', 'ETH'], interval: 'H1' }, user.accessToken);
    const to = new Date().toISOString();
    const ninetyDays = await backtest({ id: strategy.id, from: new Date(Date.now() - 90 * DAY_MS).toISOString(), to }, user.accessToken);
    expect(ninetyDays.errors).toBeUndefined();
    expect(ninetyDays.data!.backtestStrategy.summary).toMatchObject({ count: expect.any(Number) });
    expect(codes(await backtest({ id: strategy.id, from: new Date(Date.now() - 91 * DAY_MS).toISOString(), to }, user.accessToken))).toEqual(['FORBIDDEN']);
    expect(codes(await backtest({ id: strategy.id, from: new Date(Date.now() - DAY_MS).toISOString(), to }, stranger.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await backtest({ id: strategy.id, from: to, to }, user.accessToken))).toEqual(['BAD_USER_INPUT']);
    // Whose strategy it is is checked first: a stranger learns nothing from a range the owner would be refused.
    expect(codes(await backtest({ id: strategy.id, from: to, to }, stranger.accessToken))).toEqual(['NOT_FOUND']);
  });
});

describe('evaluation', () => {
  it('a run-time failure sets lastError and others go on; ONCE disables itself; the webhook is signed t=…,v1=…', async () => {
    // `1 / 0` type-checks (int / int) and fails when evaluated.
    const failing = await createStrategy({ symbols: ['BTC', 'ETH'], condition: 'price > 0.0 && 1 / 0 == 1' }, user.accessToken);
    const once = await createStrategy({ symbols: ['BTC', 'ETH'], condition: 'price > 0.0', trigger: 'ONCE', channels: { inApp: true, email: false, webhookUrl: receiverUrl } }, user.accessToken);
    await eventually(async () => (await strategyOf(once.strategy.id, user.accessToken)).enabled === false, 20_000);
    await eventually(async () => (await strategyOf(failing.strategy.id, user.accessToken)).lastError !== null, 20_000);
    const { enabled, lastError } = await strategyOf(failing.strategy.id, user.accessToken);
    expect({ enabled, lastError }).toEqual({ enabled: true, lastError: 'division by zero' });
    // Switched on while it is on, it is not started afresh: the error it still has stays (it was cleared, and never written again).
    expect((await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: failing.strategy.id, enabled: true }, user.accessToken)).data?.setStrategyEnabled.enabled).toBe(true);
    expect((await strategyOf(failing.strategy.id, user.accessToken)).lastError).toBe('division by zero');
    // A few more rounds: ONCE raised exactly one alert, over one of its two symbols.
    const rounds = providers.requestsTo('/api/v3/coins/markets').length;
    await eventually(async () => providers.requestsTo('/api/v3/coins/markets').length >= rounds + 2, 15_000);
    await platform.analysis!.runtime.catchUpEvents();
    const alerts = await send(platform.gatewayUrl, AlertsDocument, { first: 100 }, user.accessToken);
    expect(alerts.data!.alerts.nodes.filter((alert) => alert.strategy.id === once.strategy.id)).toHaveLength(1);

    await eventually(async () => received.length >= 1, 15_000);
    const [delivery] = received;
    const signature = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery!.headers['herck-signature']));
    expect(signature).not.toBeNull();
    expect(createHmac('sha256', once.webhookSecret).update(`${signature![1]}.${delivery!.body}`).digest('hex')).toBe(signature![2]);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(delivery!.body)).toMatchObject({ type: 'alert', alert: { strategyId: once.strategy.id } });

    // Switched back on while its condition still holds, ONCE fires again at the next round, as a new strategy would.
    const reenabled = await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: once.strategy.id, enabled: true }, user.accessToken);
    expect(reenabled.data!.setStrategyEnabled.enabled).toBe(true);
    await eventually(async () => (await strategyOf(once.strategy.id, user.accessToken)).enabled === false, 20_000);
    await platform.analysis!.runtime.catchUpEvents();
    const again = await send(platform.gatewayUrl, AlertsDocument, { first: 100 }, user.accessToken);
    expect(again.data!.alerts.nodes.filter((alert) => alert.strategy.id === once.strategy.id)).toHaveLength(2);
  }, 90_000);
});

describe('a strategy saved unchanged, switched off and on, or given a new condition', () => {
  it('keeps its cooldown; only a new signal forgets whether the condition held', async () => {
    const { strategy } = await createStrategy({ interval: 'M1', condition: 'price > 0.0', cooldownSeconds: 3600 }, user.accessToken);
    const alertsOfIt = async () => {
      await platform.analysis!.runtime.catchUpEvents();
      return (await send(platform.gatewayUrl, AlertsDocument, { first: 100 }, user.accessToken)).data!.alerts.nodes.filter((alert) => alert.strategy.id === strategy.id);
    };
    const stored = async () =>
      (await platform.analysis!.runtime.orm.em.fork().execute<{ holds: boolean; last_fired_at: Date | null }[]>('SELECT holds, last_fired_at FROM strategy_states WHERE strategy_id = ?', [strategy.id]))[0];
    await eventually(async () => (await alertsOfIt()).length === 1, 20_000);
    const firedAt = (await stored())!.last_fired_at;
    expect(firedAt).not.toBeNull();

    // The whole edit form saved as it was: nothing changed, so the store still says the condition held
    // (it was forgotten while the engine remembered, so a restart fired again within the cooldown).
    const form = { name: 'contract', symbols: ['BTC'], interval: 'M1' as const, indicators: [], condition: 'price > 0.0', trigger: 'ON_CROSS' as const, cooldownSeconds: 3600 };
    expect((await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: form }, user.accessToken)).errors).toBeUndefined();
    expect(await stored()).toEqual({ holds: true, last_fired_at: firedAt });

    // Off and on, then a new condition: each starts afresh (the next tick finds the condition holding,
    // as a new strategy's would) and the last alert still counts for the cooldown: no second alert.
    for (const enabled of [false, true]) expect((await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: strategy.id, enabled }, user.accessToken)).errors).toBeUndefined();
    expect((await stored())!.last_fired_at).toEqual(firedAt);
    expect((await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: { condition: 'price > 1.0' } }, user.accessToken)).errors).toBeUndefined();
    expect((await stored())!.last_fired_at).toEqual(firedAt);
    const rounds = providers.requestsTo('/api/v3/coins/markets').length;
    await eventually(async () => providers.requestsTo('/api/v3/coins/markets').length >= rounds + 2, 15_000);
    expect(await alertsOfIt()).toHaveLength(1);
  }, 60_000);
});

describe('a strategy whose symbols or indicators are sent back in another order', () => {
  it('is the same strategy, not started afresh; a real change still starts it afresh', async () => {
    const indicators = [{ name: 'a', kind: 'SMA' as const, period: 1 }, { name: 'b', kind: 'SMA' as const, period: 1 }];
    const input = { name: 'reordered', symbols: ['BTC', 'ETH'], interval: 'M1' as const, indicators, condition: 'price > 0.0', trigger: 'ON_CROSS' as const, cooldownSeconds: 3600 };
    const { strategy } = await createStrategy(input, user.accessToken);
    const states = () => platform.analysis!.runtime.orm.em.fork().execute<{ symbol: string; holds: boolean }[]>('SELECT symbol, holds FROM strategy_states WHERE strategy_id = ? ORDER BY symbol', [strategy.id]);
    await eventually(async () => (await states()).filter((state) => state.holds).length === 2, 20_000);
    const reordered = { ...input, symbols: ['ETH', 'BTC'], indicators: [...indicators].reverse() };
    expect((await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: reordered }, user.accessToken)).errors).toBeUndefined();
    expect(await states()).toEqual([{ symbol: 'BTC', holds: true }, { symbol: 'ETH', holds: true }]);
    expect((await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: { condition: 'price > 1.0' } }, user.accessToken)).errors).toBeUndefined();
    expect(await states()).toEqual([{ symbol: 'BTC', holds: false }, { symbol: 'ETH', holds: false }]);
  }, 60_000);
});

describe('condition names', () => {
  it('refuses CEL’s own names as indicators, and namespaces that type-check but cannot be evaluated', async () => {
    // `__proto__` and `prototype` were an INTERNAL_SERVER_ERROR: the CEL library refuses to declare them.
    for (const name of ['optional', 'google', 'null_type', '__proto__', 'prototype']) {
      const check = await send(platform.gatewayUrl, ValidateConditionDocument, { condition: 'price > 1.0', indicators: [{ name, kind: 'SMA', period: 3 }] }, user.accessToken);
      expect([codes(check), check.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'indicators[0].name']);
    }
    // The checker knew `optional.none()`; evaluation did not, so the strategy failed at every tick.
    const optional = await send(platform.gatewayUrl, ValidateConditionDocument, { condition: 'price > 1.0 && optional.none().hasValue() == false', indicators: [] }, user.accessToken);
    expect(optional.data!.validateCondition).toEqual({ valid: false, errors: [{ message: 'Unknown variable: optional', position: 15 }] });
    const arithmetic = await send(platform.gatewayUrl, ValidateConditionDocument, { condition: 'price * 2 > 1.0', indicators: [] }, user.accessToken);
    expect(arithmetic.data!.validateCondition.errors[0]!.message).toMatch(/no such overload: double \* int: write whole numbers with a decimal point/);
  });
});

describe('a nested input field refused', () => {
  it('has one name whether the gateway or analysis refuses it: its path below the argument', async () => {
    const fieldOf = async (input: Partial<CreateStrategyInput>) => {
      const answer = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'paths', symbols: ['BTC'], indicators: [], condition: 'price > 1.0', ...input } }, user.accessToken);
      return answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field]);
    };
    // The gateway refuses text no store holds and an Int out of range; analysis a URL and a period of 0.
    expect(await fieldOf({ channels: { inApp: true, webhookUrl: 'https://a\u0000.example' } })).toEqual([['BAD_USER_INPUT', 'channels.webhookUrl']]);
    expect(await fieldOf({ channels: { inApp: true, webhookUrl: 'not a url' } })).toEqual([['BAD_USER_INPUT', 'channels.webhookUrl']]);
    expect(await fieldOf({ indicators: [{ name: 'fast', kind: 'SMA', period: 2 ** 31 }] })).toEqual([['BAD_USER_INPUT', 'indicators[0].period']]);
    expect(await fieldOf({ indicators: [{ name: 'fast', kind: 'SMA', period: 0 }] })).toEqual([['BAD_USER_INPUT', 'indicators[0].period']]);
  });

  it('has the same name written in the document: a missing field or a bad value below a list, a malformed DateTime', async () => {
    const refused = async (query: string) => (await sendRaw(platform.gatewayUrl, { query }, user.accessToken)).errors?.map((error) => [error.extensions?.code, error.extensions?.field]);
    expect(await refused('mutation { createStrategy(input: { name: "s", symbols: ["BTC"], condition: "price > 1.0", indicators: [{ kind: SMA, period: 3 }] }) { strategy { id } } }')).toEqual([['BAD_USER_INPUT', 'indicators[0].name']]);
    expect(await refused('mutation { createStrategy(input: { name: "s", symbols: ["BTC"], condition: "price > 1.0", indicators: [{ name: "a", kind: SMA, period: 3 }, { name: "b", kind: NOPE, period: 3 }] }) { strategy { id } } }')).toEqual([['BAD_USER_INPUT', 'indicators[1].kind']]);
    for (const time of ['"yesterday"', '"0000-01-01T00:00:00Z"']) {
      expect(await refused(`{ ticks(symbol: "BTC", from: ${time}) { nodes { price } } }`)).toEqual([['BAD_USER_INPUT', 'from']]);
    }
  });
});

describe('free text and lists given to strategies and portfolios', () => {
  const refusal = (answer: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) => answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message]);

  it('refuses control characters in names (they go into mail subjects), and in notes but for line breaks and tabs', async () => {
    const strategy = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'Line1\r\nBcc: x@example.com', symbols: ['BTC'], indicators: [], condition: 'price > 1.0' } }, user.accessToken);
    expect(refusal(strategy)).toEqual([['BAD_USER_INPUT', 'name', 'name may not contain control characters']]);
    expect(refusal(await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Bell\u0007' }, user.accessToken))).toEqual([['BAD_USER_INPUT', 'name', 'name may not contain control characters']]);
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Notes' }, user.accessToken)).data!.createPortfolio;
    expect(refusal(await send(platform.gatewayUrl, RenamePortfolioDocument, { id, name: 'Esc\u001b[31m' }, user.accessToken))).toEqual([['BAD_USER_INPUT', 'name', 'name may not contain control characters']]);
    const deposit = (input: Partial<TransactionInput>) =>
      send(platform.gatewayUrl, AddTransactionDocument, { portfolioId: id, input: { kind: 'DEPOSIT', quantity: '1', price: '100', time: new Date(Date.now() - 60_000).toISOString(), ...input } }, user.accessToken);
    expect(refusal(await deposit({ note: 'ding\u0007' }))).toEqual([['BAD_USER_INPUT', 'note', 'note may not contain control characters other than line breaks and tabs']]);
    expect((await deposit({ note: 'first line\n\tsecond line' })).data?.addTransaction.note).toBe('first line\n\tsecond line');
  });

  it('refuses a blank currency and a malformed symbol with what is wrong, and names no internal placeholder', async () => {
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Checks' }, user.accessToken)).data!.createPortfolio;
    const add = (input: Partial<TransactionInput>) =>
      send(platform.gatewayUrl, AddTransactionDocument, { portfolioId: id, input: { kind: 'DEPOSIT', quantity: '1', price: '100', time: new Date(Date.now() - 60_000).toISOString(), ...input } }, user.accessToken);
    // Omitted is the portfolio's currency; "" is none.
    expect(refusal(await add({ currency: '' }))).toEqual([['BAD_USER_INPUT', 'currency', '"" is not a currency with an exchange rate']]);
    expect(refusal(await add({ price: '0' }))).toEqual([['BAD_USER_INPUT', 'price', 'A DEPOSIT needs an amount (quantity × price) greater than zero']]);
    expect(refusal(await add({ kind: 'BUY', symbol: 'B\u{1F600}C' }))).toEqual([['BAD_USER_INPUT', 'symbol', 'symbol must be the symbol of an asset (1–15 letters or digits)']]);
    expect(refusal(await add({ kind: 'BUY' }))).toEqual([['BAD_USER_INPUT', 'symbol', 'BUY needs the symbol of an asset']]);
  });

  it('refuses more than 20 symbols, also when they name fewer', async () => {
    const many = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'many', symbols: Array.from({ length: 21 }, () => 'BTC'), indicators: [], condition: 'price > 1.0' } }, user.accessToken);
    expect(refusal(many)).toEqual([['BAD_USER_INPUT', 'symbols', 'Watch 1 to 20 symbols']]);
  });
});

describe('portfolio performance, by hand', () => {
  const performanceOf = (variables: { id: string; from: string; to: string }, token: string) => send(platform.gatewayUrl, PortfolioPerformanceDocument, variables, token);
  const portfolioWith = async (name: string, transactions: TransactionInput[]) => {
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name }, user.accessToken)).data!.createPortfolio;
    for (const input of transactions) expect((await send(platform.gatewayUrl, AddTransactionDocument, { portfolioId: id, input }, user.accessToken)).errors).toBeUndefined();
    return id;
  };

  it('TWR chains the returns around a mid-period deposit; ROI is the gain over the money put in', async () => {
    // 1000 in, +10 % (bought at 1000, sold at 1100); 1100 more in, −10 % (2200 → 1980).
    const id = await portfolioWith('twr', [
      { kind: 'DEPOSIT', quantity: '1000', price: '1', time: '2011-01-01T00:00:00Z' },
      { kind: 'BUY', symbol: 'XX', quantity: '1', price: '1000', time: '2011-01-01T00:00:00Z' },
      { kind: 'SELL', symbol: 'XX', quantity: '1', price: '1100', time: '2011-02-01T00:00:00Z' },
      { kind: 'DEPOSIT', quantity: '1100', price: '1', time: '2011-03-01T00:00:00Z' },
      { kind: 'BUY', symbol: 'YY', quantity: '1', price: '2200', time: '2011-03-01T00:00:00Z' },
      { kind: 'SELL', symbol: 'YY', quantity: '1', price: '1980', time: '2011-04-01T00:00:00Z' },
    ]);
    const { performance } = (await performanceOf({ id, from: '2010-12-31T00:00:00Z', to: '2011-05-01T00:00:00Z' }, user.accessToken)).data!.portfolio;
    // TWR: 1.1 × 0.9 − 1 = −0.01. ROI: (1980 − 2100) / 2100 = −0.0571428…
    expect(performance).toMatchObject({ twr: '-0.01', realizedPnl: '-120', unrealizedPnl: '0', complete: true });
    expect(performance.roi).toMatch(/^-0\.0571428571428571428/);
  });

  it('XIRR of the flows of Excel’s documentation example', async () => {
    // −10000 on 2008-01-01, +2750, +4250, +3250 and the 2750 left on 2009-04-01 (the gain made by a round trip).
    const id = await portfolioWith('xirr', [
      { kind: 'DEPOSIT', quantity: '10000', price: '1', time: '2008-01-01T00:00:00Z' },
      { kind: 'BUY', symbol: 'ZZ', quantity: '1', price: '10000', time: '2008-01-01T00:00:00Z' },
      { kind: 'SELL', symbol: 'ZZ', quantity: '1', price: '13000', time: '2008-02-01T00:00:00Z' },
      { kind: 'WITHDRAWAL', quantity: '2750', price: '1', time: '2008-03-01T00:00:00Z' },
      { kind: 'WITHDRAWAL', quantity: '4250', price: '1', time: '2008-10-30T00:00:00Z' },
      { kind: 'WITHDRAWAL', quantity: '3250', price: '1', time: '2009-02-15T00:00:00Z' },
    ]);
    const { performance } = (await performanceOf({ id, from: '2007-12-31T00:00:00Z', to: '2009-04-01T00:00:00Z' }, user.accessToken)).data!.portfolio;
    expect(Math.abs(Number(performance.xirr) - 0.373362535)).toBeLessThan(2e-9);
    expect(performance).toMatchObject({ roi: '0.3', twr: '0.3', realizedPnl: '3000', complete: true });
    expect(codes(await performanceOf({ id, from: '2009-04-01T00:00:00Z', to: '2008-01-01T00:00:00Z' }, user.accessToken))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await performanceOf({ id, from: '2007-12-31T00:00:00Z', to: '2009-04-01T00:00:00Z' }, stranger.accessToken))).toEqual(['NOT_FOUND']);
  });

  it('gives no return where a price is missing, and values a period that ends in the future as of now', async () => {
    // No close of XX exists: valued at nothing it would be a total loss, which is a guess.
    const unpriced = await portfolioWith('unpriced', [
      { kind: 'DEPOSIT', quantity: '1000', price: '1', time: '2011-01-01T00:00:00Z' },
      { kind: 'BUY', symbol: 'XX', quantity: '1', price: '1000', time: '2011-01-01T00:00:00Z' },
    ]);
    const missing = (await performanceOf({ id: unpriced, from: '2010-12-31T00:00:00Z', to: '2011-05-01T00:00:00Z' }, user.accessToken)).data!.portfolio.performance;
    // A period to 1 May, midnight, ends at the close of 30 April.
    expect(missing).toMatchObject({ roi: null, twr: null, xirr: null, complete: false, missingPrices: [{ symbol: 'XX', date: '2011-04-30' }] });

    // BTC is priced today (market's latest tick): a `to` years ahead is the performance so far.
    const priced = await portfolioWith('so far', [
      { kind: 'DEPOSIT', quantity: '1000', price: '1', time: '2011-01-01T00:00:00Z' },
      { kind: 'BUY', symbol: 'BTC', quantity: '0.001', price: '1', time: new Date(Date.now() - 60_000).toISOString() },
    ]);
    // Today's price is the latest one seen today: in a day's first moments, until its first round reaches analysis, BTC had
    // none (listed missing). So the performance waits for it, and is asked again when the day ended while it was asked.
    const startOfToday = () => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const performanceSoFar = async () => {
      const day = startOfToday();
      await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute("SELECT 1 FROM latest_prices WHERE symbol = 'BTC' AND time >= ?", [day])).length > 0, 20_000);
      return { day, performance: (await performanceOf({ id: priced, from: '2010-12-31T00:00:00Z', to: '2100-01-01T00:00:00Z' }, user.accessToken)).data!.portfolio.performance };
    };
    let answer = await performanceSoFar();
    if (answer.day.getTime() !== startOfToday().getTime()) answer = await performanceSoFar();
    const soFar = answer.performance;
    expect(soFar).toMatchObject({ complete: true, missingPrices: [] });
    expect(soFar.roi).not.toBeNull();
    expect(codes(await performanceOf({ id: priced, from: '2099-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }, user.accessToken))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('a portfolio renamed while it is deleted', () => {
  it('answers NOT_FOUND, as any unknown portfolio', async () => {
    const id = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Short-lived' }, user.accessToken)).data!.createPortfolio.id;
    const connect = () => connectToDatabase(platform.analysis!.runtime.config.databaseUrl);
    const [holder, monitor] = [await connect(), await connect()];
    try {
      // The rename's ownership check passes; its update then waits on the row this test holds and deletes.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM portfolios WHERE id = $1 FOR UPDATE', [id]);
      const renamed = send(platform.gatewayUrl, RenamePortfolioDocument, { id, name: 'Renamed' }, user.accessToken);
      await eventually(async () => {
        const { rows } = await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return rows[0].n >= 1;
      });
      await holder.query('DELETE FROM portfolios WHERE id = $1', [id]);
      await holder.query('COMMIT');
      expect(codes(await renamed)).toEqual(['NOT_FOUND']);
      expect(codes(await send(platform.gatewayUrl, DeletePortfolioDocument, { id }, user.accessToken))).toEqual(['NOT_FOUND']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), monitor.end()]);
    }
  });
});

describe("a deactivated account's strategies", () => {
  it('are no longer evaluated: an active owner’s twin fires, theirs does not', async () => {
    const [leaving, staying] = await Promise.all([signUp(platform), signUp(platform)]);
    await publishTick('DEACT', '1');
    const twins = await Promise.all([leaving, staying].map((owner) => createStrategy({ symbols: ['DEACT'], condition: 'price > 5.0' }, owner.accessToken)));
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: leaving.accountId }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    const analysisDb = () => platform.analysis!.runtime.orm.em.fork();
    await eventually(async () => (await analysisDb().execute("SELECT 1 FROM accounts WHERE id = ? AND status = 'DEACTIVATED'", [leaving.accountId])).length === 1);
    await publishTick('DEACT', '10');
    const alerts = async (strategyId: string) => (await analysisDb().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM alerts WHERE strategy_id = ?', [strategyId]))[0]!.n;
    await eventually(async () => (await alerts(twins[1]!.strategy.id)) === 1);
    expect(await alerts(twins[0]!.strategy.id)).toBe(0);

    // Reactivated, the account's strategy is evaluated again from the next round on.
    expect((await send(platform.gatewayUrl, ReactivateAccountDocument, { id: leaving.accountId }, admin.accessToken)).data?.reactivateAccount.status).toBe('ACTIVE');
    await eventually(async () => (await analysisDb().execute("SELECT 1 FROM accounts WHERE id = ? AND status = 'ACTIVE'", [leaving.accountId])).length === 1);
    await publishTick('DEACT', '11');
    await eventually(async () => (await alerts(twins[0]!.strategy.id)) === 1);
  });
});

/**
 * A strategy on `symbol` whose alert's webhook goes where nothing listens: its first attempt has
 * failed and a retry is due later. Answers the strategy and a reader of its deliveries.
 */
async function failingWebhook(symbol: string, unreachable: string) {
  await publishTick(symbol, '1');
  const { strategy } = await createStrategy({ symbols: [symbol], condition: 'price > 5.0', channels: { inApp: true, email: false, webhookUrl: unreachable } }, user.accessToken);
  await publishTick(symbol, '10');
  const deliveries = async () => (await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: strategy.id }, user.accessToken)).data!.webhookDeliveries;
  await eventually(async () => (await deliveries())[0]?.attempts.length === 1, 15_000);
  return { strategy, deliveries };
}

describe('webhook retries near the end of DELIVERY_RETRY_HOURS', () => {
  it('try once more at the end of the window, where the next backoff would pass it, then end as failed', async () => {
    const { strategy, deliveries } = await failingWebhook('WLAST', 'http://127.0.0.1:9/last');
    // The window (24 h from the alert) ends 5 s from now, and the next try falls due at once: its backoff (20 s) would pass the end.
    const db = platform.analysis!.runtime.orm.em.fork();
    const [{ ends }] = await db.execute<{ ends: Date }[]>(
      "UPDATE deliveries SET created_at = now() - interval '24 hours' + interval '5 seconds', next_attempt_at = now() WHERE strategy_id = ? RETURNING created_at + interval '24 hours' AS ends",
      [strategy.id],
    );
    await eventually(async () => (await deliveries())[0]?.status === 'FAILED', 20_000);
    const [ended] = await deliveries();
    expect(ended!.attempts).toHaveLength(3);
    expect(new Date(ended!.attempts[2]!.at).getTime()).toBeGreaterThanOrEqual(new Date(ends).getTime());
    expect(ended!.nextAttemptAt).toBeNull();
  });
});

describe('a webhook taken off a strategy', () => {
  it('gets no more of the retries of alerts raised before: they end as failed', async () => {
    const unreachable = 'http://127.0.0.1:9/hook';
    const { strategy, deliveries } = await failingWebhook('WHOOK', unreachable);
    expect((await deliveries()).map((delivery) => [delivery.url, delivery.status])).toEqual([[unreachable, 'PENDING']]);

    const updated = await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: { channels: { webhookUrl: null } } }, user.accessToken);
    expect(updated.data?.updateStrategy.channels.webhookUrl).toBeNull();
    // The retry falls due now rather than in DELIVERY_FIRST_RETRY_SECONDS.
    await platform.analysis!.runtime.orm.em.fork().execute('UPDATE deliveries SET next_attempt_at = now() WHERE strategy_id = ?', [strategy.id]);
    await eventually(async () => (await deliveries())[0]?.status === 'FAILED', 15_000);
    const [ended] = await deliveries();
    expect(ended!.attempts.map((attempt) => attempt.error)).toEqual([expect.any(String), 'the webhook was removed from the strategy']);
    expect(ended!.nextAttemptAt).toBeNull();
  });
});

describe("market's events as analysis takes them", () => {
  it('leave out prices and rates not above zero and rounds dated in the future', async () => {
    const now = new Date().toISOString();
    await publishToAnalysis('market.tick', { time: now, prices: [{ symbol: 'ZEROPRICE', price: '0', source: 'test' }, { symbol: 'FINEPRICE', price: '2', source: 'test' }] });
    // A year ahead, it would have stayed the latest price for a year.
    await publishToAnalysis('market.tick', { time: new Date(Date.now() + 365 * DAY_MS).toISOString(), prices: [{ symbol: 'FINEPRICE', price: '9', source: 'test' }] });
    // A rate of 0 is divided by when a portfolio converts.
    await publishToAnalysis('market.fx', { time: now, rates: { ZZZ: '0', ZZY: '1.5' } });
    const db = platform.analysis!.runtime.orm.em.fork();
    expect(await db.execute("SELECT symbol, price::text FROM latest_prices WHERE symbol IN ('ZEROPRICE', 'FINEPRICE') ORDER BY symbol")).toEqual([{ symbol: 'FINEPRICE', price: '2' }]);
    expect(await db.execute("SELECT currency FROM daily_fx WHERE currency IN ('ZZZ', 'ZZY')")).toEqual([{ currency: 'ZZY' }]);
  });
});

describe('a portfolio or a transaction deleted several times at once', () => {
  it('is deleted once: one true, the others NOT_FOUND, as in a series', async () => {
    const { id } = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Twice gone' }, user.accessToken)).data!.createPortfolio;
    const deposit = await send(platform.gatewayUrl, AddTransactionDocument, { portfolioId: id, input: { kind: 'DEPOSIT', quantity: '100', price: '1', time: '2020-01-01T00:00:00Z' } }, user.accessToken);
    const transactionId = deposit.data!.addTransaction.id;
    const transactionAnswers = await Promise.all(Array.from({ length: 6 }, () => send(platform.gatewayUrl, DeleteTransactionDocument, { id: transactionId }, user.accessToken)));
    expect(transactionAnswers.map((answer) => answer.data?.deleteTransaction ?? codes(answer)[0]).sort()).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', true].sort());
    const portfolioAnswers = await Promise.all(Array.from({ length: 6 }, () => send(platform.gatewayUrl, DeletePortfolioDocument, { id }, user.accessToken)));
    expect(portfolioAnswers.map((answer) => answer.data?.deletePortfolio ?? codes(answer)[0]).sort()).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', true].sort());
  });
});

describe('a strategy naming a symbol whose first tick is still on its way', () => {
  it('is created: the market events already published are applied before the symbol counts as unknown', async () => {
    // A round announcing a new symbol, on the bus without the notification that wakes analysis's
    // consumer: until its next poll (a second), only the catch-up makes analysis see it.
    const bus = await connectToDatabase(platform.analysis!.runtime.config.busUrl);
    try {
      const tick = { time: new Date().toISOString(), prices: [{ symbol: 'NEWCOIN', price: '1.25', source: 'test', volume24h: null, change24h: null }] };
      await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.tick', 'market', $1)", [JSON.stringify(tick)]);
      const { strategy } = await createStrategy({ symbols: ['newcoin'] }, user.accessToken);
      expect(strategy.symbols).toEqual(['NEWCOIN']);
    } finally {
      await bus.end();
    }
    // A symbol no event has named is still refused.
    const unknown = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'contract', symbols: ['NOSUCHCOIN'], indicators: [], condition: 'price > 1.0' } }, user.accessToken);
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
  });
});
