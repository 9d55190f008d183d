import crypto, { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EnvReader } from '../config/env-reader';

/** Every token Herck signs uses ECDSA P-256 (JWT `ES256`). */
export const SIGNING_ALGORITHM = 'ES256';

/** An access token lives at most this long (issue 2: `exp` ≤ 15 min); auth's ACCESS_TOKEN_TTL_SECONDS is bounded by it. */
export const MAX_ACCESS_TOKEN_SECONDS = 900;

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface VerificationKey {
  kid: string;
  publicKey: KeyObject;
}

interface KeySource {
  /** Environment variable prefix: `<NAME>_PRIVATE_KEY` / `<NAME>_PUBLIC_KEY` hold PEM text. */
  envName: string;
  /** File under `<dataDir>/keys/` generated on first use in development. */
  devFile: string;
  dataDir: string;
  production: boolean;
}

/**
 * The private key a process signs with. In production it must come from the
 * environment; in development it is generated once under `.data/keys/`.
 */
export function readSigningKeys(env: EnvReader, source: KeySource): SigningKey[] {
  const variable = `${source.envName}_PRIVATE_KEY`;
  const pems = env.string(variable);
  if (pems) return readKeys(env, variable, pems, crypto.createPrivateKey).map(signingKeyFrom);
  if (source.production) {
    env.problem(variable, 'is required in production (PEM of an EC P-256 private key)');
    return [];
  }
  return [signingKeyFrom(loadOrCreateDevKey(source.dataDir, source.devFile))];
}

/** The public keys a process verifies with: from the environment, else from the development key file. */
export function readVerificationKeys(env: EnvReader, source: KeySource): VerificationKey[] {
  const variable = `${source.envName}_PUBLIC_KEY`;
  const pems = env.string(variable);
  if (pems) return readKeys(env, variable, pems, crypto.createPublicKey).map(verificationKeyFrom);
  if (source.production) {
    env.problem(variable, 'is required in production (PEM of an EC P-256 public key)');
    return [];
  }
  const { kid, publicKey } = signingKeyFrom(loadOrCreateDevKey(source.dataDir, source.devFile));
  return [{ kid, publicKey }];
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = crypto.createPublicKey(privateKey);
  return { kid: thumbprint(publicKey), privateKey, publicKey };
}

function verificationKeyFrom(publicKey: KeyObject): VerificationKey {
  return { kid: thumbprint(publicKey), publicKey };
}

/** RFC 7638 JWK thumbprint: a stable key id derived from the key itself. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

export function generateKeyPem(): string {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Several processes may start at once: the first to create the file wins, the rest read it. */
function loadOrCreateDevKey(dataDir: string, file: string): KeyObject {
  const keyPath = path.join(dataDir, 'keys', file);
  if (!fs.existsSync(keyPath)) {
    // Only the keys' own folder is closed to others. The data folder, when a command made before the first
    // `npm start` (admin:create) makes it here, keeps the usual mode: the embedded PostgreSQL, run as
    // another user when started by root, must enter it.
    fs.mkdirSync(dataDir, { recursive: true });
    fs.mkdirSync(path.dirname(keyPath), { recursive: true, mode: 0o700 });
    // Written aside, then hard-linked into place: a reader never sees half a key. The draft's name is this
    // process's alone: a pid is not (in containers sharing the keys volume every service is PID 1).
    const draft = `${keyPath}.${process.pid}.${crypto.randomBytes(8).toString('hex')}.tmp`;
    fs.writeFileSync(draft, generateKeyPem(), { mode: 0o600 });
    try {
      fs.linkSync(draft, keyPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.unlinkSync(draft);
    }
  }
  return crypto.createPrivateKey(fs.readFileSync(keyPath, 'utf8'));
}

/**
 * The keys of a variable's PEM blocks; one that does not parse, or is not an EC P-256 key (ES256
 * cannot sign or verify with it), is a problem named after the variable, not a crash at start-up
 * or a service that starts and then fails every request.
 */
function readKeys(env: EnvReader, variable: string, pems: string, parse: (pem: string) => KeyObject): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const [index, pem] of parsePemList(pems).entries()) {
    let key: KeyObject;
    try {
      key = parse(pem);
    } catch {
      env.problem(variable, `key ${index + 1} is not PEM of an EC P-256 key`);
      continue;
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') env.problem(variable, `key ${index + 1} is not an EC P-256 key (ES256)`);
    else keys.push(key);
  }
  return keys;
}

/** Accepts one or more PEM blocks; `\n` escapes allow a PEM in a one-line variable. */
function parsePemList(text: string): string[] {
  const normalised = text.replace(/\\n/g, '\n');
  return normalised.match(/-----BEGIN [^-]+-----[\s\S]+?-----END [^-]+-----/g) ?? [normalised];
}
