import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import {
  EnvReader,
  firstAdminAccountId,
  generateKeyPem,
  InternalTokenSigner,
  InternalTokenVerifier,
  LogShippingSigner,
  LogShippingVerifier,
  readSigningKeys,
  ConfigError,
  readVerificationKeys,
  signingKeyFrom,
  signPasswordSetupToken,
  verifyPasswordSetupToken,
  clientKey,
} from '../src';

const key = () => signingKeyFrom(crypto.createPrivateKey(generateKeyPem()));
/** A token naming a known key, with a header that says JWT and a payload that is no JSON: anyone can make one. */
const unreadableToken = (kid: string) =>
  [JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }), 'not json', 'signature'].map((part) => Buffer.from(part).toString('base64url')).join('.');

describe('internal tokens', () => {
  const gatewayKey = key();
  const signer = new InternalTokenSigner(gatewayKey, 60);
  const accountVerifier = new InternalTokenVerifier([gatewayKey], 'account');

  it('carry the identity to the subgraph they are addressed to', () => {
    const token = signer.sign({ accountId: 'abc', roles: ['USER', 'ADMIN'] }, 'account');
    expect(accountVerifier.verify(token)).toEqual({ identity: { accountId: 'abc', roles: ['USER', 'ADMIN'] }, client: null });
    expect(accountVerifier.verify(signer.sign({ accountId: null, roles: [] }, 'account', '203.0.113.7'))).toEqual({
      identity: { accountId: null, roles: [] },
      client: '203.0.113.7',
    });
  });

  it('are refused when missing, for another subgraph, expired or signed by another key', () => {
    expect(accountVerifier.verify(undefined)).toBeNull();
    expect(accountVerifier.verify(signer.sign({ accountId: 'abc', roles: [] }, 'auth'))).toBeNull();
    const expired = jwt.sign({ sub: 'abc', roles: [], exp: Math.floor(Date.now() / 1000) - 10 }, gatewayKey.privateKey, {
      algorithm: 'ES256',
      keyid: gatewayKey.kid,
      issuer: 'herck-gateway',
      audience: 'account',
    });
    expect(accountVerifier.verify(expired)).toBeNull();
    expect(accountVerifier.verify(new InternalTokenSigner(key()).sign({ accountId: 'abc', roles: [] }, 'account'))).toBeNull();
  });

  it('are refused, not thrown on, when the header says JWT and the payload is no JSON (jsonwebtoken throws decoding it)', () => {
    const unreadable = unreadableToken(gatewayKey.kid);
    expect(() => jwt.decode(unreadable, { complete: true })).toThrow();
    expect(accountVerifier.verify(unreadable)).toBeNull();
    expect(new LogShippingVerifier([gatewayKey]).verify(unreadable)).toBeNull();
    expect(verifyPasswordSetupToken([gatewayKey], unreadable)).toBeNull();
  });

  it('are refused without an expiry or with a life longer than five minutes, even signed by the gateway', () => {
    const signed = (claims: object) =>
      jwt.sign({ sub: 'abc', roles: ['USER'], ...claims }, gatewayKey.privateKey, { algorithm: 'ES256', keyid: gatewayKey.kid, issuer: 'herck-gateway', audience: 'account' });
    const now = Math.floor(Date.now() / 1000);
    expect(accountVerifier.verify(signed({ iat: now, exp: now + 300 }))).not.toBeNull();
    expect(accountVerifier.verify(signed({ iat: now }))).toBeNull();
    expect(accountVerifier.verify(signed({ iat: now, exp: now + 301 }))).toBeNull();
    expect(accountVerifier.verify(jwt.sign({ sub: 'abc', roles: [], exp: now + 60 }, gatewayKey.privateKey, { algorithm: 'ES256', keyid: gatewayKey.kid, issuer: 'herck-gateway', audience: 'account', noTimestamp: true }))).toBeNull();
  });
});

describe('internal tokens, reused while young', () => {
  const gatewayKey = key();
  let clock = Date.now();
  const signer = new InternalTokenSigner(gatewayKey, 60, () => clock);
  const verifier = new InternalTokenVerifier([gatewayKey], 'account', () => clock);
  const ada = { accountId: 'ada', roles: ['USER' as const] };

  it('serve the same caller and subgraph for half their life, then a new one is signed', () => {
    const first = signer.sign(ada, 'account', '203.0.113.7');
    clock += 29_000;
    expect(signer.sign(ada, 'account', '203.0.113.7')).toBe(first);
    // Anything that differs gets a token of its own: another subgraph, client, account or set of roles.
    expect(signer.sign(ada, 'auth', '203.0.113.7')).not.toBe(first);
    expect(signer.sign(ada, 'account', '203.0.113.8')).not.toBe(first);
    expect(signer.sign({ accountId: 'bob', roles: ['USER'] }, 'account', '203.0.113.7')).not.toBe(first);
    expect(signer.sign({ ...ada, roles: ['USER', 'ADMIN'] }, 'account', '203.0.113.7')).not.toBe(first);
    clock += 1_000;
    const renewed = signer.sign(ada, 'account', '203.0.113.7');
    expect(renewed).not.toBe(first);
    expect(verifier.verify(renewed)).toEqual({ identity: ada, client: '203.0.113.7' });
  });

  it('are remembered by the subgraph once verified, until they expire, and their caller cannot be changed', () => {
    const token = signer.sign(ada, 'account');
    const caller = verifier.verify(token)!;
    expect(verifier.verify(token)).toBe(caller);
    expect(() => (caller.identity.roles as string[]).push('ADMIN')).toThrow(TypeError);
    clock += 60_000;
    expect(verifier.verify(token)).toBeNull();
    // A forged variant of a remembered token is checked, not matched.
    expect(verifier.verify(token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'))).toBeNull();
  });
});

describe('log-shipping tokens', () => {
  const shippingKey = key();
  let clock = Date.now();
  const signer = new LogShippingSigner(shippingKey, 'market', () => clock);
  const verifier = new LogShippingVerifier([shippingKey], () => clock);

  it('name the shipping service, and are refused when missing, forged or signed by another key', () => {
    const token = signer.token();
    expect(verifier.verify(token)).toBe('market');
    expect(verifier.verify(undefined)).toBeNull();
    expect(verifier.verify('not a token')).toBeNull();
    expect(verifier.verify(new LogShippingSigner(key(), 'market').token())).toBeNull();
    // An internal token is no log-shipping token, even from a key logs would know.
    expect(new LogShippingVerifier([shippingKey]).verify(new InternalTokenSigner(shippingKey).sign({ accountId: null, roles: [] }, 'logs'))).toBeNull();
  });

  it('are remembered once verified, until they expire, and a forged variant is still checked', () => {
    const token = signer.token();
    expect(verifier.verify(token)).toBe('market');
    expect(verifier.verify(token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'))).toBeNull();
    clock += 60_000;
    expect(verifier.verify(token)).toBeNull();
    expect(verifier.verify(signer.token())).toBe('market');
  });
});

describe('password setup tokens', () => {
  it('round-trip their claims and reject other keys', () => {
    const accountKey = key();
    const { token } = signPasswordSetupToken(accountKey, { accountId: 'id-1', username: 'ada', email: 'ada@example.com', version: 3 }, 5);
    expect(verifyPasswordSetupToken([accountKey], token)).toMatchObject({ accountId: 'id-1', username: 'ada', version: 3, tokenId: expect.any(String) });
    expect(verifyPasswordSetupToken([key()], token)).toBeNull();
    expect(verifyPasswordSetupToken([accountKey], token + 'x')).toBeNull();
  });
});

describe('development keys', () => {
  it('are generated once under the data folder and shared by signer and verifier', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-keys-'));
    const source = { envName: 'TEST', devFile: 'test.pem', dataDir, production: false };
    const [signing] = readSigningKeys(new EnvReader({}), source);
    const [verifying] = readVerificationKeys(new EnvReader({}), source);
    expect(verifying!.kid).toBe(signing!.kid);
    expect(fs.statSync(path.join(dataDir, 'keys', 'test.pem')).mode & 0o777).toBe(0o600);
    fs.rmSync(dataDir, { recursive: true });
  });

  it('close their own folder to others, not a data folder they make (the embedded PostgreSQL must enter it)', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-keys-'));
    const dataDir = path.join(parent, '.data');
    readSigningKeys(new EnvReader({}), { envName: 'TEST', devFile: 'test.pem', dataDir, production: false });
    const mode = (folder: string) => fs.statSync(folder).mode & 0o777;
    expect(mode(path.join(dataDir, 'keys'))).toBe(0o700);
    // As any folder made without a mode (what the process's umask leaves).
    fs.mkdirSync(path.join(parent, 'reference'));
    expect(mode(dataDir)).toBe(mode(path.join(parent, 'reference')));
    expect(mode(dataDir)).not.toBe(0o700);
    fs.rmSync(parent, { recursive: true });
  });

  it("leave another process's draft alone, one with the same pid too (in containers every service is PID 1)", () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-keys-'));
    const keyPath = path.join(dataDir, 'keys', 'test.pem');
    fs.mkdirSync(path.dirname(keyPath), { recursive: true });
    // Another container's service, PID 1 like this one could be, between writing its draft and linking it into place.
    const theirDraft = `${keyPath}.${process.pid}.tmp`;
    const theirPem = generateKeyPem();
    fs.writeFileSync(theirDraft, theirPem, { mode: 0o600 });
    const [signing] = readSigningKeys(new EnvReader({}), { envName: 'TEST', devFile: 'test.pem', dataDir, production: false });
    expect(fs.readFileSync(theirDraft, 'utf8')).toBe(theirPem);
    expect(signingKeyFrom(crypto.createPrivateKey(fs.readFileSync(keyPath, 'utf8'))).kid).toBe(signing!.kid);
    fs.rmSync(dataDir, { recursive: true });
  });

  it('come from the environment as PEM when given', () => {
    const pem = generateKeyPem();
    const [signing] = readSigningKeys(new EnvReader({ TEST_PRIVATE_KEY: pem.replace(/\n/g, '\\n') }), {
      envName: 'TEST',
      devFile: 'unused.pem',
      dataDir: '/nonexistent',
      production: true,
    });
    expect(signing!.kid).toBe(signingKeyFrom(crypto.createPrivateKey(pem)).kid);
  });

  it('that are not PEM, or not EC P-256 keys, are problems named after their variable, with the others', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const source = { envName: 'TEST', devFile: 'unused.pem', dataDir: '/nonexistent', production: true };
    for (const [value, problem] of [['not a pem', 'key 1 is not PEM'], [rsa, 'key 1 is not an EC P-256 key'], [`${generateKeyPem()}\n${p384}`, 'key 2 is not an EC P-256 key']]) {
      const env = new EnvReader({ TEST_PRIVATE_KEY: value, MAX_DEPTH: 'x' });
      readSigningKeys(env, source);
      env.int('MAX_DEPTH', 10, { min: 1, max: 100 });
      let thrown: unknown;
      try {
        env.finish(null);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).problems).toEqual([expect.stringContaining(`TEST_PRIVATE_KEY ${problem}`), expect.stringContaining('MAX_DEPTH')]);
    }
  });
});

describe('firstAdminAccountId', () => {
  it('is a stable version-5 UUID per email, case-insensitive', () => {
    expect(firstAdminAccountId('Root@Example.com')).toBe(firstAdminAccountId('root@example.com'));
    expect(firstAdminAccountId('root@example.com')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(firstAdminAccountId('a@example.com')).not.toBe(firstAdminAccountId('b@example.com'));
  });
});

describe('client keys', () => {
  it('count an IPv4 address as itself and an IPv6 address by its /64 network', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(clientKey('2001:db8:aa:bb::9')).toBe(clientKey('2001:0db8:00aa:00bb:ffff:0:0:1'));
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(null)).toBe('unknown');
  });
});
