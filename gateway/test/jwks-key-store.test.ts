import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { generateKeyPem, Logger, signingKeyFrom } from '@herck/common';
import { JwksKeyStore, SigningKeysUnavailableError } from '../src/auth/jwks-key-store';

const keyA = signingKeyFrom(crypto.createPrivateKey(generateKeyPem()));
const keyB = signingKeyFrom(crypto.createPrivateKey(generateKeyPem()));
const jwk = (key: typeof keyA) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid });

let published: object[] = [jwk(keyA)];
let status = 200;
let fetches = 0;
/** While set, answers wait for it: the keys as they were when the request came. */
let hold: Promise<void> | undefined;
const server = http.createServer((_req, res) => {
  fetches += 1;
  const body = JSON.stringify({ keys: published });
  const answer = () => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  if (hold) void hold.then(answer);
  else answer();
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('JwksKeyStore', () => {
  /** A clock of the test's own (a loaded machine could pass an interval between two lines); sleeping moves it. */
  const fakeTime = (start: number) => {
    const time = { clock: start, slept: [] as number[] };
    return {
      time,
      options: {
        now: () => time.clock,
        sleep: async (ms: number) => {
          time.slept.push(ms);
          time.clock += ms;
        },
      },
    };
  };

  it('fetches again for an unknown kid (key rotation), waiting out its interval rather than refusing the token', async () => {
    const { time, options } = fakeTime(1_000_000);
    const store = new JwksKeyStore(url, new Logger('test', 'error'), { ...options, minRefreshIntervalMs: 300 });
    published = [jwk(keyA)];
    const before = fetches;
    expect((await store.get(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    expect(await store.get(keyA.kid)).toBeDefined();
    expect(fetches - before).toBe(1);

    // Auth rotated 100 ms after the fetch: a token with the new key waits the 200 ms left, then is verified.
    published = [jwk(keyB), jwk(keyA)];
    time.clock += 100;
    expect((await store.get(keyB.kid))?.equals(keyB.publicKey)).toBe(true);
    expect(time.slept).toEqual([200]);
    expect(fetches - before).toBe(2);
  });

  it('remembers a kid auth does not publish, and costs one fetch per interval however many arrive at once', async () => {
    const { time, options } = fakeTime(2_000_000);
    const store = new JwksKeyStore(url, new Logger('test', 'error'), { ...options, minRefreshIntervalMs: 1_000, missingKeyMemoryMs: 10_000 });
    published = [jwk(keyA)];
    const before = fetches;
    expect(await store.get('forged-1')).toBeUndefined();
    expect(fetches - before).toBe(1);
    // Remembered as missing: refused at once, no fetch.
    expect(await store.get('forged-1')).toBeUndefined();
    expect(fetches - before).toBe(1);
    // Many new forged kids together: one fetch, a second after the last.
    expect(await Promise.all(['forged-2', 'forged-3', 'forged-4'].map((kid) => store.get(kid)))).toEqual([undefined, undefined, undefined]);
    expect(fetches - before).toBe(2);
    expect(time.slept).toEqual([1_000]);
    // Forgotten after its memory: asked about again.
    time.clock += 10_000;
    expect(await store.get('forged-1')).toBeUndefined();
    expect(fetches - before).toBe(3);
    // A remembered kid that auth publishes later is found once another unknown kid brings a fetch.
    published = [jwk(keyA), { ...jwk(keyB), kid: 'forged-2' }];
    time.clock += 1_000;
    expect(await store.get('forged-5')).toBeUndefined();
    expect(await store.get('forged-2')).toBeDefined();
  });

  it('does not refuse a key for a fetch that left before auth published it', async () => {
    const { time, options } = fakeTime(4_000_000);
    const store = new JwksKeyStore(url, new Logger('test', 'error'), { ...options, minRefreshIntervalMs: 100 });
    published = [jwk(keyA)];
    let release: () => void = () => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const before = fetches;
    const forged = store.get('forged-late');
    while (fetches === before) await new Promise((resolve) => setImmediate(resolve));
    // Auth publishes the new key while the fetch with the old keys is on its way back; a token of it comes.
    published = [jwk(keyA), jwk(keyB)];
    time.clock += 10;
    const fresh = store.get(keyB.kid);
    hold = undefined;
    release();
    expect(await forged).toBeUndefined();
    expect((await fresh)?.equals(keyB.publicKey)).toBe(true);
    expect(fetches - before).toBe(2);
  });

  it('says the keys are unavailable, not that the key is unknown, while auth is unreachable or failing, and recovers', async () => {
    status = 500;
    published = [jwk(keyA)];
    const store = new JwksKeyStore(url, new Logger('test', 'error'), { minRefreshIntervalMs: 0 });
    await expect(store.get(keyA.kid)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
    status = 200;
    expect(await store.get(keyA.kid)).toBeDefined();
    // Fetched, auth's keys do not include this one: the token is not auth's.
    expect(await store.get('no-such-kid')).toBeUndefined();
    const unreachable = new JwksKeyStore('http://127.0.0.1:1/jwks.json', new Logger('test', 'error'), { minRefreshIntervalMs: 0 });
    await expect(unreachable.get(keyA.kid)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
  });

  it('fetches its keys again once they are old, so a key auth withdrew is refused, without holding a request up', async () => {
    const { time, options } = fakeTime(5_000_000);
    const store = new JwksKeyStore(url, new Logger('test', 'error'), { ...options, minRefreshIntervalMs: 100, maxAgeMs: 60_000 });
    published = [jwk(keyA), jwk(keyB)];
    const before = fetches;
    expect(await store.get(keyA.kid)).toBeDefined();
    // Auth stops publishing A; within the keys' max age nothing is fetched.
    published = [jwk(keyB)];
    time.clock += 59_000;
    expect(store.publishes(keyA.kid)).toBe(true);
    expect(fetches - before).toBe(1);
    // Past it, the request in hand is answered from the keys at hand while they are fetched again.
    time.clock += 1_000;
    expect(await store.get(keyA.kid)).toBeDefined();
    for (let turns = 0; store.publishes(keyA.kid) && turns < 10_000; turns += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(store.publishes(keyA.kid)).toBe(false);
    expect(fetches - before).toBe(2);
    expect(await store.get(keyB.kid)).toBeDefined();
  });

  it('keeps answering from the keys it has while a later fetch fails', async () => {
    const { time, options } = fakeTime(3_000_000);
    const store = new JwksKeyStore(url, new Logger('test', 'error'), { ...options, minRefreshIntervalMs: 100 });
    published = [jwk(keyA)];
    expect(await store.get(keyA.kid)).toBeDefined();
    status = 500;
    time.clock += 100;
    await expect(store.get(keyB.kid)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
    expect(await store.get(keyA.kid)).toBeDefined();
    status = 200;
  });
});
