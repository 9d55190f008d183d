import { randomUUID } from 'node:crypto';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { startRecordedProviders } from './support/recorded-providers';
import { eventually, signUp, SignedUpUser } from './support/users';

/**
 * An attacker's audit of the public entry point (the gateway, over HTTP and graphql-ws): each probe
 * here is one no other test makes. One platform with every subgraph that holds a user's data.
 */
let providers: ReplayServer;
let platform: TestPlatform;
let alice: SignedUpUser;
let bob: SignedUpUser;

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  // Many operations from few users: the per-account budgets have tests of their own.
  platform = await startTestPlatform({ ...recorded.env, RATE_LIMIT_USER_PER_MINUTE: '0' }, { market: {}, analysis: {} });
  [alice, bob] = await Promise.all([signUp(platform), signUp(platform)]);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string) => sendRaw<T>(platform.gatewayUrl, { query, variables }, token);

describe("a portfolio's performance over a long history of flows", () => {
  it("is computed in a blink, not in seconds of the analysis service's one thread (any user could stall every user's alerts)", async () => {
    // A user's own portfolio: twenty-odd years of weekly deposits, each at its own time of day, with a fee.
    // XIRR's Newton iteration ran away from the root (to rates of 1e396) for a hundred ever costlier steps,
    // each raising a decimal to every flow's power: 5 seconds for one `performance` of 300 deposits.
    const { createPortfolio } = (await gql<{ createPortfolio: { id: string } }>('mutation { createPortfolio(name: "weekly", baseCurrency: "USD") { id } }', {}, bob.accessToken)).data!;
    const week = 7 * 86_400_000;
    const first = Date.UTC(1971, 0, 4, 9, 30);
    for (let batch = 0; batch < 11; batch++) {
      const deposits = Array.from({ length: 15 }, (_, i) => {
        const time = new Date(first + (batch * 15 + i) * week + ((batch * 15 + i) * 7919 % 86_400) * 1000).toISOString();
        return `d${i}: addTransaction(portfolioId: $id, input: { kind: DEPOSIT, quantity: "100", fee: "1", currency: "USD", time: "${time}" }) { id }`;
      });
      expect((await gql(`mutation($id: ID!) { ${deposits.join(' ')} }`, { id: createPortfolio.id }, bob.accessToken)).errors).toBeUndefined();
    }
    const started = Date.now();
    const answer = await gql<{ portfolio: Record<string, { xirr: string; roi: string }> }>(
      `query($id: ID!) { portfolio(id: $id) {
        all: performance(from: "1970-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { xirr roi }
        since1972: performance(from: "1972-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { xirr roi }
        since1973: performance(from: "1973-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { xirr roi }
      } }`,
      { id: createPortfolio.id },
      bob.accessToken,
    );
    const elapsedMs = Date.now() - started;
    expect(answer.errors).toBeUndefined();
    // Every deposit lost its 1 % fee and earned nothing: a return just below zero.
    expect(answer.data!.portfolio.all).toEqual({ xirr: '-0.000184833355', roi: '-0.01' });
    expect(elapsedMs).toBeLessThan(1_500);
  });
});
