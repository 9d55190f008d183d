import { ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { print } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { findSamples, parsePrometheusText, repositoryRoot, sampleValue, SIGNING_ALGORITHM, signingKeyFrom } from '@herck/common';
import { LiveTicksDocument, SystemStatusDocument } from './support/operations.generated';
import { startTestPlatform, TestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp } from './support/users';
import { freePort } from './support/free-port';

/**
 * GATEWAY_WORKERS=2: the built gateway as `npm start` runs it, two worker
 * processes on one port; operation limits counted across both, subscriptions
 * served by whichever worker holds the socket, one /metrics for both, a dead
 * worker replaced (but not forever), and a clean stop.
 */
const ANONYMOUS_LIMIT = 10;
const CONNECTIONS_PER_ACCOUNT = 4;

let platform: TestPlatform;
let gateway: ChildProcess;
let port: number;
/** Gateways started by a test alone. */
const others: ChildProcess[] = [];

/** The built gateway with GATEWAY_WORKERS=2 on `gatewayPort`. */
function startGateway(gatewayPort: number): ChildProcess {
  return spawn(process.execPath, [path.join(repositoryRoot(), 'gateway', 'dist', 'src', 'main.js')], {
    env: {
      ...process.env,
      ...platform.env,
      ACCOUNT_URL: platform.account.url,
      AUTH_URL: platform.auth.url,
      MARKET_URL: platform.market!.url,
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_WORKERS: '2',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(ANONYMOUS_LIMIT),
      WS_MAX_CONNECTIONS_PER_ACCOUNT: String(CONNECTIONS_PER_ACCOUNT),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

beforeAll(async () => {
  platform = await startTestPlatform({ ...adminEnv('workers-admin@example.com'), MARKET_INTERVAL_SECONDS: '1' }, { market: {} });
  port = await freePort();
  gateway = startGateway(port);
  await eventually(() => ask('/readyz').then((answer) => answer.status === 200).catch(() => false), 30_000);
});
afterAll(async () => {
  for (const started of [gateway, ...others]) if (started?.exitCode === null && started.signalCode === null) started.kill('SIGKILL');
  await platform?.stop();
});

/** One request on a connection of its own, so node:cluster may hand each to another worker. */
function ask(route: string, body?: unknown, accessToken?: string): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: route,
        method: payload ? 'POST' : 'GET',
        agent: false,
        headers: { ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }), ...(accessToken && { authorization: `Bearer ${accessToken}` }) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, text, headers: response.headers }));
      },
    );
    request.once('error', reject);
    request.end(payload);
  });
}

/** The gateway's worker processes (children of the supervising one); none once it is gone. */
function workers(of: ChildProcess = gateway): number[] {
  let children: string;
  try {
    children = fs.readFileSync(`/proc/${of.pid}/task/${of.pid}/children`, 'utf8').trim();
  } catch {
    return [];
  }
  return children ? children.split(' ').map(Number) : [];
}

/**
 * The worker that holds the gateway's end of the connection from `clientPort`: the socket's inode
 * in /proc/net/tcp, found among the workers' open files.
 */
function holder(clientPort: number): number | undefined {
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(4, '0');
  const inode = fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .find((fields) => fields[1]?.endsWith(`:${hex(port)}`) && fields[2]?.endsWith(`:${hex(clientPort)}`))?.[9];
  if (!inode || inode === '0') return undefined;
  const holds = (pid: number) => {
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  };
  return workers().find(holds);
}

/** `GET route` on a connection of its own: its status (and body when `read`) and the worker that answered. */
function askWhom(route: string, read = false, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; worker: number | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    // Kept alive, so that the gateway still holds the connection when the answer has come.
    const request = http.get({ host: '127.0.0.1', port, path: route, agent: false, headers: { ...headers, connection: 'keep-alive' } }, (response) => {
      const worker = holder(response.socket.localPort!);
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += read ? chunk : ''));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode!, worker, text });
      });
    });
    request.once('error', reject);
  });
}

describe('gateway workers', () => {
  it('serve one port from two processes', () => {
    expect(workers()).toHaveLength(2);
  });

  it('count operation limits across every worker', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ANONYMOUS_LIMIT + 4; i += 1) statuses.push((await ask('/graphql', { query: '{ __typename }' })).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(ANONYMOUS_LIMIT);
    expect(statuses.slice(ANONYMOUS_LIMIT)).toEqual([429, 429, 429, 429]);
  });

  it('deliver subscriptions from whichever worker holds the socket', async () => {
    const user = await signUp(platform);
    const received = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.accessToken}` }, retryAttempts: 0 });
            const stop = client.subscribe<{ ticks: { symbol: string }[] }>(
              { query: print(LiveTicksDocument), variables: { symbols: ['BTC'] } },
              {
                next: (result) => {
                  if (result.errors) reject(new Error(JSON.stringify(result.errors)));
                  stop();
                  void client.dispose();
                  resolve(result.data!.ticks[0]!.symbol);
                },
                error: reject,
                complete: () => undefined,
              },
            );
          }),
      ),
    );
    expect(received).toEqual(['BTC', 'BTC', 'BTC']);
  });

  it('hold an account to WS_MAX_CONNECTIONS_PER_ACCOUNT sockets across every worker', async () => {
    const user = await signUp(platform);
    // One after the other, each on a connection of its own: node:cluster hands them to both workers in turn.
    const openSockets = async (count: number) => {
      const clients: Client[] = [];
      const outcomes: (number | 'open')[] = [];
      try {
        for (let i = 0; i < count; i += 1) {
          outcomes.push(
            await new Promise<number | 'open'>((resolve) => {
              clients.push(
                createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.accessToken}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, on: { connected: () => resolve('open'), closed: (event) => resolve((event as { code: number }).code) } }),
              );
            }),
          );
        }
      } finally {
        await Promise.all(clients.map((client) => client.dispose()));
      }
      return outcomes;
    };
    expect(await openSockets(CONNECTIONS_PER_ACCOUNT + 2)).toEqual([...Array<'open'>(CONNECTIONS_PER_ACCOUNT).fill('open'), 4429, 4429]);
    // The sockets closed give their places back, whichever worker held them.
    await eventually(async () => (await openSockets(CONNECTIONS_PER_ACCOUNT)).every((outcome) => outcome === 'open'));
  });

  it('let subscriptions ended at token expiry on one worker resume free on any worker', async () => {
    const user = await signUp(platform);
    // The access token signed again with auth's key, expiring in 8 s: long enough for its subscriptions' first events on a loaded machine (3 s was not always).
    const key = signingKeyFrom(createPrivateKey(fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'auth-signing.pem'), 'utf8')));
    const expiring = jwt.sign({ ...jwt.decode(user.accessToken, { json: true })!, exp: Math.floor(Date.now() / 1000) + 8 }, key.privateKey, { algorithm: SIGNING_ALGORITHM, keyid: key.kid });
    const connect = (token: string, onClosed?: (code: number) => void) =>
      createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, on: { closed: (event) => onClosed?.((event as { code: number }).code) } });
    const ticking = (client: Client, symbol: string) =>
      new Promise<void>((resolve, reject) => client.subscribe({ query: print(LiveTicksDocument), variables: { symbols: [symbol] } }, { next: () => resolve(), error: reject, complete: () => undefined }));
    const symbols = ['BTC', 'ETH', 'SOL'];
    let closed: (code: number) => void = () => undefined;
    const closedWith = new Promise<number>((resolve) => (closed = resolve));
    const first = connect(expiring, closed);
    await Promise.all(symbols.map((symbol) => ticking(first, symbol)));
    expect(await closedWith).toBe(4403);
    // One socket per subscription: node:cluster hands them to both workers.
    const again = symbols.map(() => connect(user.accessToken));
    try {
      await Promise.all(symbols.map((symbol, i) => ticking(again[i]!, symbol)));
      const me = await ask('/graphql', { query: '{ me { id } }' }, user.accessToken);
      // The three subscriptions once, and this `me` (signUp's went to another gateway).
      expect(Number(me.headers['ratelimit-limit']) - Number(me.headers['ratelimit-remaining'])).toBe(4);
    } finally {
      await Promise.all(again.map((client) => client.dispose()));
    }
  }, 30_000);

  it('answer /metrics for every worker together, whichever worker is scraped', async () => {
    const user = await signUp(platform);
    // One connection each: node:cluster hands them to both workers in turn.
    for (let i = 0; i < 3; i += 1) expect((await ask('/graphql', { query: 'query MetricsProbe { __typename }' }, user.accessToken)).status).toBe(200);
    const scrapes = await Promise.all([0, 1].map(() => askWhom('/metrics', true)));
    // Scraped through both workers, and each time the three operations of both.
    expect(new Set(scrapes.map((scrape) => scrape.worker)).size).toBe(2);
    for (const scrape of scrapes) {
      const samples = parsePrometheusText(scrape.text);
      expect(sampleValue(samples, 'herck_graphql_operations_total', { service: 'gateway', operation: 'MetricsProbe', outcome: 'ok' })).toBe(3);
      expect(findSamples(samples, 'process_cpu_seconds_total')).toHaveLength(1);
    }
  });

  it("keep a busy worker's counters in /metrics rather than drop them from one scrape (which Prometheus reads as a reset)", async () => {
    const user = await signUp(platform);
    const probes = (text: string) => sampleValue(parsePrometheusText(text), 'herck_graphql_operations_total', { service: 'gateway', operation: 'BusyProbe', outcome: 'ok' }) ?? 0;
    // Operations, one connection each, until both workers have answered some (GET, named: csrfPrevention lets it through).
    const served = new Map<number, number>();
    while (served.size < 2) {
      const { status, worker } = await askWhom(`/graphql?query=${encodeURIComponent('query BusyProbe { __typename }')}`, false, { authorization: `Bearer ${user.accessToken}`, 'apollo-require-preflight': 'true' });
      expect(status).toBe(200);
      if (worker !== undefined) served.set(worker, (served.get(worker) ?? 0) + 1);
    }
    const total = [...served.values()].reduce((sum, count) => sum + count, 0);
    expect(probes((await askWhom('/metrics', true)).text)).toBe(total);

    // One worker's event loop held (a long synchronous job; here SIGSTOP) past the supervisor's wait for its metrics.
    const [busy] = [...served.keys()];
    process.kill(busy!, 'SIGSTOP');
    let scrapes: Promise<{ text: string }>[] = [];
    try {
      // Two at once: node:cluster hands at most one to the held worker, which answers once it runs again.
      scrapes = [0, 1].map(() => askWhom('/metrics', true));
      const first = await Promise.race(scrapes);
      expect(probes(first.text)).toBe(total);
    } finally {
      process.kill(busy!, 'SIGCONT');
      await Promise.allSettled(scrapes);
    }
  });

  it("answer status's subscriptions for every worker together, whichever worker is asked", async () => {
    const user = await signUp(platform);
    const admin = await logInAdmin(platform);
    const ticking = (client: Client) =>
      new Promise<void>((resolve, reject) => client.subscribe({ query: print(LiveTicksDocument), variables: { symbols: ['BTC'] } }, { next: () => resolve(), error: reject, complete: () => undefined }));
    // One socket each: node:cluster hands them to both workers in turn.
    const clients = [1, 2, 3].map(() => createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.accessToken}` }, retryAttempts: 0 }));
    try {
      await Promise.all(clients.map(ticking));
      // Asked on four connections at once, which node:cluster spreads over both workers: each worker holds only some of the sockets.
      const asked = await Promise.all(
        [0, 1, 2, 3].map(async () => {
          const answer = await ask('/graphql', { query: print(SystemStatusDocument) }, admin.accessToken);
          return (JSON.parse(answer.text) as { data: { status: { subscriptions: { connections: number; active: number } } } }).data.status.subscriptions;
        }),
      );
      for (const subscriptions of asked) expect(subscriptions).toMatchObject({ connections: 3, active: 3 });
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  it('replace a worker that dies while the other keeps serving, giving back the connections it held', async () => {
    const user = await signUp(platform);
    const clients: Client[] = [];
    /** Opens one socket for `user`: 'open' with the worker holding it, or the close code. */
    const openSocket = () =>
      new Promise<{ outcome: 'open'; worker: number | undefined } | { outcome: number }>((resolve) => {
        clients.push(
          createClient({
            url: `ws://127.0.0.1:${port}/graphql`,
            webSocketImpl: WebSocket,
            connectionParams: { Authorization: `Bearer ${user.accessToken}` },
            retryAttempts: 0,
            lazy: false,
            onNonLazyError: () => undefined,
            on: {
              connected: (socket) => resolve({ outcome: 'open', worker: holder((socket as { _socket: net.Socket })._socket.localPort!) }),
              closed: (event) => resolve({ outcome: (event as { code: number }).code }),
            },
          }),
        );
      });
    try {
      const held: (number | undefined)[] = [];
      for (let i = 0; i < CONNECTIONS_PER_ACCOUNT; i += 1) {
        const opened = await openSocket();
        expect(opened.outcome).toBe('open');
        held.push((opened as { worker: number | undefined }).worker);
      }
      const killed = held[0]!;
      const survivor = workers().find((pid) => pid !== killed)!;
      process.kill(killed, 'SIGKILL');
      // Reaped by the supervisor: from then on node:cluster hands connections to the survivor alone.
      await eventually(async () => !workers().includes(killed));

      // Requests all along, one connection each, until the replacement has answered some.
      const failures: unknown[] = [];
      let byReplacement = 0;
      const deadline = Date.now() + 20_000;
      while (byReplacement < 3 && !failures.length) {
        if (Date.now() > deadline) throw new Error('no replacement worker answering within 20 s');
        const answer = await askWhom('/readyz').catch((error: unknown) => error);
        const { status, worker } = answer as { status?: number; worker?: number };
        if (status !== 200) failures.push(answer);
        else if (worker !== undefined && worker !== survivor && worker !== killed) byReplacement += 1;
      }
      expect(failures).toEqual([]);
      expect(workers()).toEqual(expect.arrayContaining([survivor]));
      expect(workers()).toHaveLength(2);

      // The dead worker's sockets count no more; the survivor's still do.
      const freed = held.filter((worker) => worker === killed).length;
      const outcomes: (number | 'open')[] = [];
      for (let i = 0; i <= freed; i += 1) outcomes.push((await openSocket()).outcome);
      expect(outcomes).toEqual([...Array<'open'>(freed).fill('open'), 4429]);
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  }, 40_000);

  it('give up when workers keep dying', async () => {
    const other = startGateway(await freePort());
    others.push(other);
    const exited = new Promise<number | null>((resolve) => other.once('exit', (code) => resolve(code)));
    const killed = new Set<number>();
    // Every worker killed as soon as it shows: five are replaced within the minute, the sixth stops the gateway.
    await eventually(async () => {
      for (const pid of workers(other).filter((pid) => !killed.has(pid))) {
        killed.add(pid);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      return other.exitCode !== null;
    }, 30_000);
    expect(await exited).toBe(1);
    expect(killed.size).toBeGreaterThanOrEqual(6);
    expect(killed.size).toBeLessThanOrEqual(7);
  }, 40_000);

  it('stop together on SIGTERM', async () => {
    const pids = workers();
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
