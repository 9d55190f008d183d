import { randomUUID } from 'node:crypto';
import { Logger } from '@herck/common';
import { readOrdersConfig, startOrdersService } from '@herck/orders';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send, sendRaw } from './support/graphql-client';
import { AllOrdersDocument, DeactivateAccountDocument, OrderDocument, OrdersDocument, OrderStatisticsDocument, ReactivateAccountDocument, SetRolesDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { BuyOrderInput, orderPricesReady, placeBuyOrder } from './support/orders';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logIn, logInAdmin, signUp, SignedUpUser } from './support/users';

/** Issue 9's orders behaviour seen from several accounts and roles (an audit's checks). */

let providers: ReplayServer;
let platform: TestPlatform;
let first: SignedUpUser;
let second: SignedUpUser;
let admin: { accessToken: string };
let analyst: { accessToken: string };

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform({ ...adminEnv('orders-behaviour-admin@example.com'), ...recorded.env, SESSION_CHECK_SECONDS: '1' }, { market: {}, orders: {} });
  let analystUser: SignedUpUser;
  [first, second, analystUser] = await Promise.all([signUp(platform), signUp(platform), signUp(platform)]);
  admin = await logInAdmin(platform);
  expect((await send(platform.gatewayUrl, SetRolesDocument, { accountId: analystUser.accountId, roles: ['USER', 'ANALYST'] }, admin.accessToken)).errors).toBeUndefined();
  analyst = await logIn(platform, analystUser.username, analystUser.password);
  await orderPricesReady(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const place = (user: { accessToken: string }, input: BuyOrderInput) => placeBuyOrder(platform, user.accessToken, input);
const problems = (answer: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field]);

it('keeps idempotency keys per user: the same key from two users is two orders, and neither conflicts', async () => {
  const idempotencyKey = randomUUID();
  const a = await place(first, { asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey });
  const b = await place(second, { asset: 'BTC', currency: 'EUR', amount: '20', idempotencyKey });
  expect([problems(a), problems(b)]).toEqual([undefined, undefined]);
  expect(a.data!.placeBuyOrder.id).not.toBe(b.data!.placeBuyOrder.id);
  expect(b.data!.placeBuyOrder.owner.id).toBe(second.accountId);
  expect((await place(first, { asset: 'BTC', currency: 'USD', amount: '10.00', idempotencyKey })).data!.placeBuyOrder.id).toBe(a.data!.placeBuyOrder.id);
});

it('names the field of every bad input', async () => {
  expect(problems(await place(first, { asset: 'BTC', currency: 'USD', amount: '-1' }))).toEqual([['BAD_USER_INPUT', 'amount']]);
  expect(problems(await place(first, { asset: 'BTC', currency: 'USD', amount: '1.005' }))).toEqual([['BAD_USER_INPUT', 'amount']]);
  expect(problems(await place(first, { asset: 'BTC', currency: 'USD', amount: '1000000.01' }))).toEqual([['BAD_USER_INPUT', 'amount']]);
  expect(problems(await place(first, { asset: 'BTC', currency: 'XYZ', amount: '1' }))).toEqual([['BAD_USER_INPUT', 'currency']]);
  expect(problems(await place(first, { asset: 'BTC', currency: 'EURO', amount: '1' }))).toEqual([['BAD_USER_INPUT', 'currency']]);
  expect(problems(await place(first, { asset: 'NOPE', currency: 'USD', amount: '1' }))).toEqual([['PRICE_UNAVAILABLE', undefined]]);
});

it('answers order(id) to its owner only, whatever the letter case, and any other id NOT_FOUND', async () => {
  const placed = (await place(first, { asset: 'BTC', currency: 'USD', amount: '5' })).data!.placeBuyOrder;
  expect((await send(platform.gatewayUrl, OrderDocument, { id: placed.id.toUpperCase() }, first.accessToken)).data?.order.id).toBe(placed.id);
  for (const id of [placed.id, placed.id.toUpperCase()]) expect(codes(await send(platform.gatewayUrl, OrderDocument, { id }, second.accessToken))).toEqual(['NOT_FOUND']);
  expect(codes(await send(platform.gatewayUrl, OrderDocument, { id: placed.id }, admin.accessToken))).toEqual(['NOT_FOUND']);
  for (const id of ['nope', randomUUID()]) expect(codes(await send(platform.gatewayUrl, OrderDocument, { id }, first.accessToken))).toEqual(['NOT_FOUND']);
});

it('gives allOrders to admins only and orderStatistics to analysts and admins', async () => {
  expect(codes(await send(platform.gatewayUrl, AllOrdersDocument, {}, first.accessToken))).toEqual(['FORBIDDEN']);
  expect(codes(await send(platform.gatewayUrl, AllOrdersDocument, {}, analyst.accessToken))).toEqual(['FORBIDDEN']);
  expect(codes(await send(platform.gatewayUrl, AllOrdersDocument, {}))).toEqual(['UNAUTHENTICATED']);
  expect((await send(platform.gatewayUrl, AllOrdersDocument, {}, admin.accessToken)).errors).toBeUndefined();
  const window = { period: 'DAY', from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() } as const;
  expect(codes(await send(platform.gatewayUrl, OrderStatisticsDocument, window, first.accessToken))).toEqual(['FORBIDDEN']);
  expect(codes(await send(platform.gatewayUrl, OrderStatisticsDocument, window))).toEqual(['UNAUTHENTICATED']);
  for (const user of [analyst, admin]) expect((await send(platform.gatewayUrl, OrderStatisticsDocument, window, user.accessToken)).errors).toBeUndefined();
  // An admin reads another account's orders on the account; an analyst does not.
  const query = 'query ($id: ID!) { account(id: $id) { orders(first: 5) { nodes { id } } } }';
  expect((await sendRaw<{ account: { orders: { nodes: unknown[] } } }>(platform.gatewayUrl, { query, variables: { id: first.accountId } }, admin.accessToken)).data?.account.orders.nodes.length).toBeGreaterThan(0);
});

it("keeps a deactivated account's orders: listed to admins while it is away, and to it again once reactivated", async () => {
  const user = await signUp(platform);
  const placed = (await place(user, { asset: 'BTC', currency: 'USD', amount: '7' })).data!.placeBuyOrder;
  expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: user.accountId }, admin.accessToken)).errors).toBeUndefined();
  await eventually(async () => codes(await send(platform.gatewayUrl, OrdersDocument, {}, user.accessToken))[0] === 'UNAUTHENTICATED', 15_000);
  expect(codes(await place(user, { asset: 'BTC', currency: 'USD', amount: '7' }))).toEqual(['UNAUTHENTICATED']);
  const all = await send(platform.gatewayUrl, AllOrdersDocument, { first: 100 }, admin.accessToken);
  expect(all.data!.allOrders.nodes.map((order) => order.id)).toContain(placed.id);
  expect((await send(platform.gatewayUrl, ReactivateAccountDocument, { id: user.accountId }, admin.accessToken)).errors).toBeUndefined();
  const back = await logIn(platform, user.username, user.password);
  expect((await send(platform.gatewayUrl, OrdersDocument, {}, back.accessToken)).data!.orders.nodes.map((order) => order.id)).toEqual([placed.id]);
});

it('starts another orders process priced from its own store before it answers', async () => {
  const restarted = await startOrdersService(readOrdersConfig(platform.env), new Logger('orders', 'error'));
  try {
    expect(restarted.prices.price('BTC')?.value.toFixed()).toBe(platform.orders!.prices.price('BTC')?.value.toFixed());
    expect(restarted.prices.rate('EUR', new Date())).toBeDefined();
  } finally {
    await restarted.stop();
  }
});
