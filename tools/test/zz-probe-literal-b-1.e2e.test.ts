import fs from 'node:fs';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { startRecordedProviders } from './support/recorded-providers';
import { eventually, logIn, signUp, SignedUpUser } from './support/users';

const ADMIN_EMAIL = 'probe-lb-admin@example.com';
const ADMIN_PASSWORD = 'first-Admin-passphrase-42';
let providers: ReplayServer;
let platform: TestPlatform;
let user: SignedUpUser;
let other: SignedUpUser;
let admin: { accessToken: string };
const out: Record<string, unknown> = {};

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform(
    { HERCK_ADMIN_EMAIL: ADMIN_EMAIL, HERCK_ADMIN_PASSWORD: ADMIN_PASSWORD, WEBHOOK_ALLOW_PRIVATE: 'true', STRATEGIES_PER_ACCOUNT: '3', ...recorded.env },
    { market: {}, analysis: {}, orders: {}, logs: {} },
  );
  [user, other] = await Promise.all([signUp(platform), signUp(platform)]);
  admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
  await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute('SELECT 1 FROM symbols')).length === 2, 20_000);
  await eventually(async () => Boolean(platform.orders!.prices.price('BTC') && platform.orders!.prices.rate('EUR', new Date())), 20_000);
}, 180_000);

afterAll(async () => {
  fs.writeFileSync('/tmp/audit/lb-probe1.json', JSON.stringify(out, null, 1));
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const q = async (name: string, query: string, variables: Record<string, unknown> = {}, token?: string) => {
  const r = await sendRaw(platform.gatewayUrl, { query, variables }, token);
  out[name] = { status: r.status, data: r.data, errors: r.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions })) };
  return r;
};

const CS = `mutation($input: CreateStrategyInput!) { createStrategy(input: $input) { strategy { id condition trigger cooldownSeconds interval channels { inApp email webhookUrl } enabled } webhookSecret } }`;

it('issue 8', async () => {
  const t = user.accessToken;
  const base = { name: 'p', symbols: ['BTC'], indicators: [{ name: 'rsi14', kind: 'RSI', period: 14 }, { name: 'sma50', kind: 'SMA', period: 50 }] };
  const s1 = await q('8.cond-int-literal', CS, { input: { ...base, condition: 'rsi14 < 30 && price > sma50' } }, t);
  await q('8.cond-macd-bb', CS, { input: { ...base, indicators: [{ name: 'macd', kind: 'MACD', period: 26 }, { name: 'bb', kind: 'BBANDS', period: 20 }], condition: 'macd.histogram > 0 && price < bb.lower' } }, t);
  await q('8.validate-eq-int', `query($c: String!, $i: [IndicatorInput!]!) { validateCondition(condition: $c, indicators: $i) { valid errors { message position } } }`, { c: 'price == 100 || rsi14 >= 70 || price > sma50 * 1.02 || volume > 0 || change24h < -5', i: base.indicators }, t);
  await q('8.validate-unknown', `query($c: String!, $i: [IndicatorInput!]!) { validateCondition(condition: $c, indicators: $i) { valid errors { message position } } }`, { c: 'rsi14 < 30 && bogus', i: base.indicators }, t);
  await q('8.create-unknown-name', CS, { input: { ...base, condition: 'rsi14 < 30 && bogus > 1' } }, t);
  await q('8.create-wrong-type', CS, { input: { ...base, condition: 'rsi14 + "a"' } }, t);
  await q('8.create-period0', CS, { input: { ...base, indicators: [{ name: 'sma', kind: 'SMA', period: 0 }], condition: 'price > sma' } }, t);
  await q('8.create-period1001', CS, { input: { ...base, indicators: [{ name: 'sma', kind: 'SMA', period: 1001 }], condition: 'price > sma' } }, t);
  await q('8.create-kind-bad-var', CS, { input: { ...base, indicators: [{ name: 'x', kind: 'FOO', period: 3 }], condition: 'price > x' } }, t);
  await q('8.create-kind-bad-inline', `mutation { createStrategy(input: { name: "p", symbols: ["BTC"], indicators: [{ name: "x", kind: FOO, period: 3 }], condition: "price > x" }) { webhookSecret } }`, {}, t);
  await q('8.create-unknown-symbol', CS, { input: { ...base, symbols: ['NOPECOIN'], condition: 'price > 1.0' } }, t);
  await q('8.create-bad-webhook', CS, { input: { ...base, condition: 'price > 1.0', channels: { webhookUrl: 'not a url' } } }, t);
  await q('8.create-ftp-webhook', CS, { input: { ...base, condition: 'price > 1.0', channels: { webhookUrl: 'ftp://example.com/x' } } }, t);
  await q('8.create-minimal-inline', `mutation { createStrategy(input: { name: "m", symbols: ["BTC"], indicators: [], condition: "price > 1" }) { strategy { id trigger interval cooldownSeconds enabled lastError channels { inApp email webhookUrl } owner { id username } } webhookSecret } }`, {}, t);
  const id = (s1.data as any)?.createStrategy?.strategy?.id;
  await q('8.strategy-other', `query($id: ID!) { strategy(id: $id) { id name } }`, { id }, other.accessToken);
  await q('8.strategy-garbage-id', `query { strategy(id: "does-not-exist") { id } }`, {}, t);
  await q('8.strategy-numeric-id', `query { strategy(id: "12345") { id } }`, {}, t);
  await q('8.update-other', `mutation($id: ID!) { updateStrategy(id: $id, input: { name: "x" }) { id } }`, { id }, other.accessToken);
  await q('8.delete-other', `mutation($id: ID!) { deleteStrategy(id: $id) }`, { id }, other.accessToken);
  await q('8.enable-other', `mutation($id: ID!) { setStrategyEnabled(id: $id, enabled: false) { id } }`, { id }, other.accessToken);
  await q('8.deliveries-other', `query($id: ID!) { webhookDeliveries(strategyId: $id) { id } }`, { id }, other.accessToken);
  await q('8.ack-unknown', `mutation { acknowledgeAlerts(ids: ["00000000-0000-0000-0000-000000000000"]) }`, {}, t);
  await q('8.ack-garbage', `mutation { acknowledgeAlerts(ids: ["nope"]) }`, {}, t);
  await q('8.ack-empty', `mutation { acknowledgeAlerts(ids: []) }`, {}, t);
  await q('8.mark-read-empty', `mutation { markNotificationsRead(ids: []) }`, {}, t);
  await q('8.too-many', CS, { input: { ...base, condition: 'price > 1.0' } }, t);
  await q('8.too-many2', CS, { input: { ...base, condition: 'price > 1.0' } }, t);
  await q('8.strategies', `{ strategies { nodes { id } pageInfo { hasNextPage endCursor } } alerts { nodes { id } } notifications(unreadOnly: true) { nodes { id } } }`, {}, t);
  const now = Date.now();
  await q('8.backtest-user-200d', `query($id: ID!, $from: DateTime!, $to: DateTime!) { backtestStrategy(id: $id, from: $from, to: $to) { summary { count firstAt lastAt } triggers { time symbol price values } } }`, { id, from: new Date(now - 200 * 86_400_000).toISOString(), to: new Date(now).toISOString() }, t);
  await q('8.backtest-from-after-to', `query($id: ID!, $from: DateTime!, $to: DateTime!) { backtestStrategy(id: $id, from: $from, to: $to) { summary { count } } }`, { id, to: new Date(now - 86_400_000).toISOString(), from: new Date(now).toISOString() }, t);
  await q('8.backtest-other', `query($id: ID!, $from: DateTime!, $to: DateTime!) { backtestStrategy(id: $id, from: $from, to: $to) { summary { count } } }`, { id, from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString() }, other.accessToken);
  await q('8.anon-strategies', `{ strategies { nodes { id } } }`);
  await q('8.update-partial-channels', `mutation($id: ID!) { updateStrategy(id: $id, input: { cooldownSeconds: 60, channels: { email: true } }) { cooldownSeconds channels { inApp email webhookUrl } } }`, { id }, t);
  await q('8.create-negative-cooldown', CS, { input: { ...base, condition: 'price > 1.0', cooldownSeconds: -5 } }, t);
});

it('issue 9', async () => {
  const t = user.accessToken;
  const P = `mutation($input: PlaceBuyOrderInput!) { placeBuyOrder(input: $input) { id asset { symbol latestTick { price } } currency amount price fxRate quantity status pricedAt createdAt owner { id username } } }`;
  const o1 = await q('9.place-eur', P, { input: { asset: 'BTC', currency: 'EUR', amount: '250.00', idempotencyKey: 'k1' } }, t);
  await q('9.place-unknown-asset', P, { input: { asset: 'NOPECOIN', currency: 'USD', amount: '10', idempotencyKey: 'k2' } }, t);
  await q('9.place-untracked-known-looking', P, { input: { asset: 'DOGE', currency: 'USD', amount: '10', idempotencyKey: 'k2b' } }, t);
  await q('9.place-bad-currency', P, { input: { asset: 'BTC', currency: 'XYZ', amount: '10', idempotencyKey: 'k3' } }, t);
  await q('9.place-zero', P, { input: { asset: 'BTC', currency: 'USD', amount: '0', idempotencyKey: 'k4' } }, t);
  await q('9.place-3dp', P, { input: { asset: 'BTC', currency: 'USD', amount: '1.234', idempotencyKey: 'k5' } }, t);
  await q('9.place-too-big', P, { input: { asset: 'BTC', currency: 'USD', amount: '1000000.01', idempotencyKey: 'k6' } }, t);
  await q('9.place-numeric-amount', P, { input: { asset: 'BTC', currency: 'USD', amount: 10, idempotencyKey: 'k7' } }, t);
  await q('9.place-amount-float-inline', `mutation { placeBuyOrder(input: { asset: "BTC", currency: "USD", amount: 10.5, idempotencyKey: "k8" }) { id amount } }`, {}, t);
  const oid = (o1.data as any)?.placeBuyOrder?.id;
  await q('9.order-other', `query($id: ID!) { order(id: $id) { id } }`, { id: oid }, other.accessToken);
  await q('9.order-garbage', `query { order(id: "nope") { id } }`, {}, t);
  await q('9.orders-offset', `{ orders(first: 1, offset: 1) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage } } }`, {}, t);
  await q('9.orders-filter', `{ orders(filter: { asset: "BTC", currency: "EUR" }) { totalCount nodes { id } } }`, {}, t);
  await q('9.allOrders-user', `{ allOrders { totalCount } }`, {}, t);
  await q('9.allOrders-admin', `{ allOrders(first: 5) { totalCount nodes { owner { id } } } }`, {}, admin.accessToken);
  await q('9.stats-user', `{ orderStatistics(period: DAY, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { periodStart } }`, {}, t);
  await q('9.stats-admin', `{ orderStatistics(period: DAY, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { periodStart currency count totalAmount min max median average } }`, {}, admin.accessToken);
  await q('9.me-orders', `{ me { username orders(first: 5) { nodes { asset { latestTick { price } } quantity } } } }`, {}, t);
  const pf = await q('9.create-portfolio-default', `mutation { createPortfolio(name: "P") { id baseCurrency costBasisMethod isDefault } }`, {}, t);
  await q('9.create-portfolio-bad-ccy', `mutation { createPortfolio(name: "P2", baseCurrency: "XYZ") { id } }`, {}, t);
  await q('9.create-portfolio-empty-name', `mutation { createPortfolio(name: "") { id } }`, {}, t);
  const pid = (pf.data as any)?.createPortfolio?.id;
  const AT = `mutation($p: ID!, $input: TransactionInput!) { addTransaction(portfolioId: $p, input: $input) { id kind symbol quantity price currency fee time note sourceId } }`;
  await q('9.tx-deposit', AT, { p: pid, input: { kind: 'DEPOSIT', quantity: '10000', price: '1', time: '2025-01-05T10:00:00Z' } }, t);
  await q('9.tx-buy', AT, { p: pid, input: { kind: 'BUY', symbol: 'BTC', quantity: '0.1', price: '50000', fee: '5', time: '2025-01-06T10:00:00Z' } }, t);
  await q('9.tx-buy-no-cash', AT, { p: pid, input: { kind: 'BUY', symbol: 'ETH', quantity: '100', price: '3000', time: '2025-01-06T11:00:00Z' } }, t);
  await q('9.tx-sell-too-much', AT, { p: pid, input: { kind: 'SELL', symbol: 'BTC', quantity: '5', price: '50000', time: '2025-01-07T10:00:00Z' } }, t);
  await q('9.tx-buy-no-symbol', AT, { p: pid, input: { kind: 'BUY', quantity: '1', price: '5', time: '2025-01-07T10:00:00Z' } }, t);
  await q('9.tx-buy-unknown-symbol', AT, { p: pid, input: { kind: 'BUY', symbol: 'NOPECOIN', quantity: '1', price: '5', time: '2025-01-07T10:00:00Z' } }, t);
  await q('9.tx-deposit-price-not-1', AT, { p: pid, input: { kind: 'DEPOSIT', quantity: '2', price: '500', time: '2025-01-05T11:00:00Z' } }, t);
  await q('9.tx-other-portfolio', AT, { p: pid, input: { kind: 'DEPOSIT', quantity: '1', price: '1', time: '2025-01-05T10:00:00Z' } }, other.accessToken);
  await q('9.portfolio-other', `query($id: ID!) { portfolio(id: $id) { id } }`, { id: pid }, other.accessToken);
  await q('9.portfolio-values', `query($id: ID!) { portfolio(id: $id) { holdings { symbol quantity costBasis averageCost marketValue unrealizedPnl } balance { value cost cash complete missingPrices { symbol date } } performance(from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z") { roi twr xirr realizedPnl unrealizedPnl complete missingPrices { symbol date } } } }`, { id: pid }, t);
  await q('9.portfolio-perf-from-after-to', `query($id: ID!) { portfolio(id: $id) { performance(from: "2025-03-01T00:00:00Z", to: "2025-02-01T00:00:00Z") { roi } } }`, { id: pid }, t);
  await q('9.transactions', `query($id: ID!) { transactions(portfolioId: $id, first: 10) { nodes { kind quantity } pageInfo { hasNextPage } } portfolios { id name isDefault } }`, { id: pid }, t);
  await eventually(async () => {
    const r = await sendRaw(platform.gatewayUrl, { query: '{ portfolios { isDefault } }' }, t);
    return ((r.data as any)?.portfolios ?? []).some((p: any) => p.isDefault);
  }, 15_000).catch(() => undefined);
  await q('9.default-portfolio', `{ portfolios { id name baseCurrency isDefault costBasisMethod } }`, {}, t);
  await q('9.renamePortfolio', `mutation($id: ID!) { renamePortfolio(id: $id, name: "R") { id name } }`, { id: pid }, t);
});

it('issue 10', async () => {
  const a = admin.accessToken;
  const L = `query($f: LogFilter, $first: Int) { logs(filter: $f, first: $first) { nodes { id time service level message requestId fields } pageInfo { hasNextPage } } }`;
  await q('10.logs-ok', L, { f: { services: ['gateway'], levels: ['ERROR'] } }, a);
  await q('10.logs-from-after-to', L, { f: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, a);
  await q('10.logs-unknown-service', L, { f: { services: ['nosuch'] } }, a);
  await q('10.logs-unknown-level-var', L, { f: { levels: ['FATAL'] } }, a);
  await q('10.logs-lowercase-level-var', L, { f: { levels: ['error'] } }, a);
  await q('10.logs-unknown-level-inline', `{ logs(filter: { levels: [FATAL] }) { nodes { id } } }`, {}, a);
  await q('10.logs-huge-first', L, { first: 1000000 }, a);
  await q('10.logs-long-text', L, { f: { text: 'a'.repeat(201) } }, a);
  await q('10.logs-user', L, {}, user.accessToken);
  await q('10.deleteLogs-empty', `mutation { deleteLogs(filter: {}) }`, {}, a);
  await q('10.deleteLogs-ok', `mutation { deleteLogs(filter: { services: ["market"], to: "2000-01-01T00:00:00Z" }) }`, {}, a);
  await q('10.logStats', `{ logStats(from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z", bucket: MINUTE) { start service level count } }`, {}, a);
  await q('10.logStats-from-after-to', `{ logStats(from: "2026-01-02T00:00:00Z", to: "2026-01-01T01:00:00Z", bucket: MINUTE) { start } }`, {}, a);
  await q('10.logUsage', `{ logUsage { service bytes entries thresholdBytes } logArchives { fileName service from to entries bytes createdAt } }`, {}, a);
  await q('10.status-anon', `{ status { healthy } }`);
  await q('10.status-anon-services', `{ status { healthy services { name } } }`);
  await q('10.status-user-services', `{ status { healthy services { name } } }`, {}, user.accessToken);
  await q('10.status-admin', `{ status { healthy services { name url healthy ready version latencyMs lastError } bus { consumer lag deadLetters } ingestion { lastRoundAt gapsLastHour } subscriptions { connections active droppedEvents } } }`, {}, a);
  await q('10.sSH', `{ serviceStatusHistory(service: "market", from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { time healthy ready version latencyMs lastError } }`, {}, a);
  await q('10.sSH-unknown', `{ serviceStatusHistory(service: "nosuch", from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { time } }`, {}, a);
  await q('10.sSH-gateway', `{ serviceStatusHistory(service: "gateway", from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { time } }`, {}, a);
  await q('10.backups', `{ backups { name createdAt bytes databases } }`, {}, a);
  const origin = new URL(platform.gatewayUrl).origin;
  for (const [name, p] of [['archive-dotdot', '/logs/archives/..%2F..%2Fetc%2Fpasswd'], ['archive-backslash', '/logs/archives/a%5Cb.log.gz'], ['archive-missing', '/logs/archives/market_20260101T000000Z.log.gz']]) {
    const r = await fetch(origin + p, { headers: { authorization: `Bearer ${a}` } });
    out['10.' + name] = { status: r.status, type: r.headers.get('content-type'), body: (await r.text()).slice(0, 300) };
  }
  const r = await fetch(origin + '/logs/archives/market_20260101T000000Z.log.gz');
  out['10.archive-anon'] = { status: r.status, body: (await r.text()).slice(0, 300) };
  const rid = await fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'probe-req-12345' }, body: JSON.stringify({ query: '{ __typename }' }) });
  out['10.request-id'] = rid.headers.get('x-request-id');
  const m = await fetch(origin + '/metrics');
  out['10.metrics'] = { status: m.status, head: (await m.text()).split('\n').filter((l) => /herck_|eventloop/.test(l)).slice(0, 15) };
  const resp = await sendRaw(platform.gatewayUrl, { query: '{ __typename }' }, user.accessToken);
  out['10.ratelimit-headers'] = Object.fromEntries([...resp.headers.entries()].filter(([k]) => /ratelimit|retry/i.test(k)));
  const dirs = '@aa '.repeat(100);
  await q('7.directives', `{ __typename ${dirs}}`);
});
