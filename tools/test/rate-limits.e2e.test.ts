import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Logger } from '@herck/common';
import { readGatewayConfig, RunningGateway, startGateway } from '@herck/gateway';
import { sendRaw } from './support/graphql-client';
import { LoginDocument, MeDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { signUp, SignedUpUser, STRONG_PASSWORD } from './support/users';
import { testRedis } from './support/test-redis';

const ME = print(MeDocument);
let platform: TestPlatform;
let user: SignedUpUser;
const extraGateways: RunningGateway[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ RATE_LIMIT_USER_PER_MINUTE: '5', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000' });
  user = await signUp(platform);
}, 60_000);

afterAll(async () => {
  for (const gateway of extraGateways) await gateway.stop();
  await platform?.stop();
}, 60_000);

async function gateway(env: Record<string, string>, logger?: Logger): Promise<RunningGateway> {
  const running = await startGateway(readGatewayConfig({ ...platform.env, ACCOUNT_URL: platform.account.url, AUTH_URL: platform.auth.url, ...env }), logger ?? new Logger('gateway', 'error'));
  extraGateways.push(running);
  return running;
}

describe('operation rate limits', () => {
  it('let a USER make 60 (here 5) operations a minute, then answer 429 with Retry-After and RATE_LIMITED', async () => {
    // signUp already asked `me` once.
    const remaining: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await sendRaw(platform.gatewayUrl, { query: ME }, user.accessToken);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(answer.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const refused = await sendRaw(platform.gatewayUrl, { query: ME }, user.accessToken);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
    expect(refused.errors?.[0]?.extensions).not.toHaveProperty('http');

    // Over WebSocket, a subscription gets the same error (not a closed connection).
    const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.accessToken}` }, retryAttempts: 0 });
    try {
      const error = await new Promise<unknown>((resolve) => client.subscribe({ query: 'subscription { ticks { symbol } }' }, { next: () => undefined, error: resolve, complete: () => resolve(null) }));
      expect((error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
    }

    // Sign-in has its own throttle: a limited user can still sign in.
    const login = await sendRaw(platform.gatewayUrl, { query: print(LoginDocument), variables: { usernameOrEmail: user.username, password: STRONG_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.errors).toBeUndefined();
  });

  it('count anonymous callers per client address', async () => {
    const anonymous = await gateway({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await sendRaw(anonymous.url, { query: '{ __typename }' })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('count a request whose access token is refused against its client address, as the anonymous caller it runs as', async () => {
    const anonymous = await gateway({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' });
    const answers: [number, string | null][] = [];
    // A sign-in-only operation (its 401), then a public one, both with a token that is no token: the address's budget of 2…
    for (const query of ['{ me { id } }', '{ __typename }']) {
      const answer = await sendRaw(anonymous.url, { query }, 'not-a-token');
      answers.push([answer.status, answer.headers.get('ratelimit-remaining')]);
    }
    // …is spent for anonymous callers from that address too.
    answers.push([(await sendRaw(anonymous.url, { query: '{ __typename }' })).status, null]);
    expect(answers).toEqual([
      [401, '1'],
      [200, '0'],
      [429, null],
    ]);
  });

  it('count an anonymous IPv6 client per /64 network, as sign-in and mail limits do, not per address', async () => {
    // X-Forwarded-For names the client once TRUST_PROXY trusts the hop (the test's loopback).
    const anonymous = await gateway({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    const from = async (address: string) => (await sendRaw(anonymous.url, { query: '{ __typename }' }, undefined, { 'x-forwarded-for': address })).status;
    const statuses: number[] = [];
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff:ffff:ffff:3']) statuses.push(await from(address));
    expect(statuses).toEqual([200, 200, 429]);
    // Another network has a budget of its own.
    expect(await from('2001:db8:1:3::1')).toBe(200);
  });

  it('share the counts of every gateway through Redis', async () => {
    const other = await signUp(platform);
    // Counting must not give up on Redis here: on a loaded machine an answer can take longer than the default 500 ms.
    const shared = { REDIS_URL: testRedis().url, RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`, RATE_LIMIT_USER_PER_MINUTE: '6', RATE_LIMIT_REDIS_TIMEOUT_MS: '10000' };
    const [first, second] = [await gateway(shared), await gateway(shared)];
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await sendRaw((i % 2 ? second : first).url, { query: ME }, other.accessToken)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });

  it('count from the first operation of a gateway whose Redis connects slowly', async () => {
    // A Redis that takes 800 ms to answer a new connection: the gateway must not take requests before it can count them.
    const held: net.Socket[] = [];
    const redis = testRedis();
    const slowRedis = net.createServer((client) => {
      client.pause();
      held.push(client);
      setTimeout(() => {
        const upstream = net.connect(redis.port, redis.host, () => client.resume());
        held.push(upstream);
        client.pipe(upstream).pipe(client);
        for (const socket of [client, upstream]) socket.on('error', () => undefined);
      }, 800);
    });
    await new Promise<void>((resolve) => slowRedis.listen(0, '127.0.0.1', resolve));
    let slow: RunningGateway | undefined;
    try {
      const port = (slowRedis.address() as net.AddressInfo).port;
      const other = await signUp(platform);
      slow = await gateway({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`, RATE_LIMIT_USER_PER_MINUTE: '6', RATE_LIMIT_REDIS_TIMEOUT_MS: '10000' });
      const first = await sendRaw(slow.url, { query: ME }, other.accessToken);
      expect(first.status).toBe(200);
      // Counted: uncounted, it would carry no budget at all.
      expect(first.headers.get('ratelimit-remaining')).toBe('5');
    } finally {
      // The gateway first: running, it would connect again and keep the server from closing.
      if (slow) {
        extraGateways.splice(extraGateways.indexOf(slow), 1);
        await slow.stop();
      }
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => slowRedis.close(resolve));
    }
  });

  it('let operations through, with a warning, when Redis cannot be reached', async () => {
    const lines: string[] = [];
    const unreachable = await gateway({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_USER_PER_MINUTE: '1' }, new Logger('gateway', 'warn', {}, (line) => lines.push(line)));
    const other = await signUp(platform);
    for (let i = 0; i < 3; i += 1) expect((await sendRaw(unreachable.url, { query: ME }, other.accessToken)).status).toBe(200);
    expect(lines.some((line) => /rate limit/i.test(line) && JSON.parse(line).level === 'warn')).toBe(true);
  });

  it('let operations through, with a warning, when Redis stays connected but stops answering (a partition)', async () => {
    const proxy = await silenceableProxyToRedis();
    try {
      const lines: string[] = [];
      const partitioned = await gateway(
        { REDIS_URL: proxy.url, RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`, RATE_LIMIT_USER_PER_MINUTE: '100' },
        new Logger('gateway', 'warn', {}, (line) => lines.push(line)),
      );
      const other = await signUp(platform);
      const counted = await sendRaw(partitioned.url, { query: ME }, other.accessToken);
      expect([counted.status, counted.headers.get('ratelimit-limit')]).toEqual([200, '100']);
      proxy.silence();
      for (let i = 0; i < 2; i += 1) {
        const answer = await sendRaw(partitioned.url, { query: ME }, other.accessToken);
        // Answered (it hung for good), uncounted.
        expect([answer.status, answer.headers.get('ratelimit-limit')]).toEqual([200, null]);
      }
      expect(lines.some((line) => /rate limit/i.test(line) && JSON.parse(line).level === 'warn')).toBe(true);
    } finally {
      proxy.close();
    }
  });
});

/** A TCP proxy to the run's Redis (testRedis) that can start swallowing traffic both ways, the connection left open. */
function silenceableProxyToRedis(): Promise<{ url: string; silence(): void; close(): void }> {
  let silent = false;
  const sockets = new Set<net.Socket>();
  const redis = testRedis();
  const server = net.createServer((client) => {
    const upstream = net.connect(redis.port, redis.host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => silent || upstream.write(chunk));
    upstream.on('data', (chunk) => silent || client.write(chunk));
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        silence: () => void (silent = true),
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      }),
    ),
  );
}
