import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * Bad input across the public API, found by an audit sending boundary and malformed
 * values through the gateway: each is bad input naming its field, never an internal
 * error, alike written in the document and given in a variable.
 */


let platform: TestPlatform;
let user: SignedUpUser;
let admin: { accessToken: string };

beforeAll(async () => {
  platform = await startTestPlatform({ ...adminEnv('input-edges-admin@example.com'), MARKET_SYMBOLS: 'BTC,ETH' }, { analysis: {}, market: {} });
  [user, admin] = await Promise.all([signUp(platform), logInAdmin(platform)]);
}, 180_000);
afterAll(async () => {
  await platform?.stop();
}, 60_000);

const refusal = (answer: { status: number; errors?: readonly { extensions?: Record<string, unknown> }[] }) => ({
  status: answer.status,
  errors: answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field]),
});

describe('a Float beyond the largest double', () => {
  it('written in the document is bad input naming its field, as in a variable, not an internal error', async () => {
    // graphql-js reads the literal 1e400 as Infinity, which the query planner then refuses as no Float.
    for (const deviation of ['1e400', '-1e400']) {
      const literal = await sendRaw(
        platform.gatewayUrl,
        { query: `{ validateCondition(indicators: [{ name: "b", kind: BBANDS, period: 20, deviation: ${deviation} }], condition: "b.upper > 1.0") { valid } }` },
        user.accessToken,
      );
      expect({ deviation, ...refusal(literal) }).toEqual({ deviation, status: 200, errors: [['BAD_USER_INPUT', 'indicators[0].deviation']] });
    }
    // JSON reads 1e400 as Infinity too.
    const variable = await sendRaw(
      platform.gatewayUrl,
      '{"query":"query($i: [IndicatorInput!]!) { validateCondition(indicators: $i, condition: \\"b.upper > 1.0\\") { valid } }","variables":{"i":[{"name":"b","kind":"BBANDS","period":20,"deviation":1e400}]}}',
      user.accessToken,
    );
    expect(refusal(variable)).toEqual({ status: 200, errors: [['BAD_USER_INPUT', 'indicators[0].deviation']] });
    // A variable's default is a declaration: its mistakes stay the document's.
    const declared = await sendRaw(
      platform.gatewayUrl,
      { query: 'query($i: [IndicatorInput!]! = [{ name: "b", kind: BBANDS, period: 20, deviation: 1e400 }]) { validateCondition(indicators: $i, condition: "b.upper > 1.0") { valid } }' },
      user.accessToken,
    );
    expect(refusal(declared).errors).toEqual([['GRAPHQL_VALIDATION_FAILED', undefined]]);
  });

  it('written in a document sent over the socket is the same bad input', async () => {
    const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    try {
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: '{ validateCondition(indicators: [{ name: "b", kind: BBANDS, period: 20, deviation: 1e400 }], condition: "b.upper > 1.0") { valid } }' },
          { next: (value) => resolve(value.errors), error: resolve, complete: () => undefined },
        );
      });
      expect((errors as { extensions?: Record<string, unknown> }[]).map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'indicators[0].deviation']]);
    } finally {
      await client.dispose();
    }
  });
});

describe('an asset name', () => {
  it('is 1 to 100 characters, not UTF-16 units: 100 emoji are a name, 101 are too many', async () => {
    const track = (name: string) =>
      sendRaw(platform.gatewayUrl, { query: 'mutation($name: String) { trackAsset(symbol: "ETH", name: $name) { name } }', variables: { name } }, admin.accessToken);
    const hundred = '😀'.repeat(100);
    expect((await track(hundred)).data).toEqual({ trackAsset: { name: hundred } });
    expect(refusal(await track('😀'.repeat(101))).errors).toEqual([['BAD_USER_INPUT', 'name']]);
    expect(refusal(await track('a'.repeat(101))).errors).toEqual([['BAD_USER_INPUT', 'name']]);
  });
});

describe('a condition', () => {
  it('is at most 1000 characters, not UTF-16 units: text of emoji within that length is checked, not refused as too long', async () => {
    const check = async (condition: string) =>
      (await sendRaw(platform.gatewayUrl, { query: 'query($c: String!) { validateCondition(indicators: [], condition: $c) { valid errors { message } } }', variables: { c: condition } }, user.accessToken)).data;
    // 600 emoji in a string literal: 609 characters, 1209 UTF-16 units; 993 of them: 1002 characters.
    expect(await check(`"${'😀'.repeat(600)}" == "x"`)).toEqual({ validateCondition: { valid: true, errors: [] } });
    expect(await check(`"${'😀'.repeat(993)}" == "x"`)).toEqual({ validateCondition: { valid: false, errors: [{ message: 'The condition is longer than 1000 characters' }] } });
  });
});
