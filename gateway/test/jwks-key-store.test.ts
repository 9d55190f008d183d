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
const server = http.createServer((_req, res) => {
  fetches += 1;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('JwksKeyStore', () => {
  it('fetches again for an unknown kid (key rotation), but not more often than its interval', async () => {
    // A clock of the test's own: on a loaded machine real time could pass the interval between two lines.
    let clock = 1_000_000;
    const store = new JwksKeyStore(url, new Logger('test', 'error'), 300, () => clock);
    expect((await store.get(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    expect(fetches).toBe(1);
    expect(await store.get(keyA.kid)).toBeDefined();
    expect(fetches).toBe(1);

    published = [jwk(keyB), jwk(keyA)];
    expect(await store.get(keyB.kid)).toBeUndefined(); // too soon after the last fetch
    expect(fetches).toBe(1);
    clock += 299;
    expect(await store.get(keyB.kid)).toBeUndefined();
    expect(fetches).toBe(1);
    clock += 1;
    expect((await store.get(keyB.kid))?.equals(keyB.publicKey)).toBe(true);
    expect(fetches).toBe(2);
  });

  it('says the keys are unavailable, not that the key is unknown, while auth is unreachable or failing, and recovers', async () => {
    status = 500;
    const store = new JwksKeyStore(url, new Logger('test', 'error'), 0);
    await expect(store.get(keyA.kid)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
    status = 200;
    expect(await store.get(keyA.kid)).toBeDefined();
    // Fetched, auth's keys do not include this one: the token is not auth's.
    expect(await store.get('no-such-kid')).toBeUndefined();
    const unreachable = new JwksKeyStore('http://127.0.0.1:1/jwks.json', new Logger('test', 'error'), 0);
    await expect(unreachable.get(keyA.kid)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
  });

  it('keeps answering from the keys it has while a later fetch fails', async () => {
    let clock = 2_000_000;
    const store = new JwksKeyStore(url, new Logger('test', 'error'), 100, () => clock);
    published = [jwk(keyA)];
    expect(await store.get(keyA.kid)).toBeDefined();
    status = 500;
    clock += 100;
    await expect(store.get(keyB.kid)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
    expect(await store.get(keyA.kid)).toBeDefined();
    status = 200;
  });
});
