import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, repositoryRoot } from '@herck/common';
import { ConfirmEmailDocument, MarketSnapshotDocument, RegisterDocument } from './support/operations.generated';
import { send } from './support/graphql-client';
import { eventually } from './support/users';
import { freePorts } from './support/free-port';

/** What `npm start` runs, after `npm run build` (which `npm test` does first). */
const START_SCRIPT = path.join(repositoryRoot(), 'tools', 'dist', 'src', 'start.js');

interface Started {
  process: ChildProcess;
  output: () => string;
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/** The pid of `parent`'s child whose command line names `script` (Linux's /proc). */
function childRunning(parent: number, script: string): number {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return ''; // gone meanwhile
    }
  };
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    // stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ')[1]);
    if (ppid === parent && read(`/proc/${pid}/cmdline`).includes(script)) return Number(pid);
  }
  throw new Error(`no child of ${parent} runs ${script}`);
}

const launched: ChildProcess[] = [];
afterAll(() => {
  // A failed test must not leave a platform running.
  for (const child of launched) if (child.exitCode === null) child.kill('SIGINT');
});

/** Runs start.js itself, or (`viaNpm`) `npm start` as a user types it, with npm's process between. */
async function start(env: NodeJS.ProcessEnv, viaNpm = false): Promise<Started> {
  const child = viaNpm
    ? spawn('npm', ['start'], { cwd: repositoryRoot(), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }) // its own group: see below
    : spawn(process.execPath, [START_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  launched.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Herck is running')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { process: child, output: () => output };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.process.once('exit', (code) => resolve(code)));
  started.process.kill('SIGINT');
  return exited;
}

describe('npm start', () => {
  let dataDir: string;
  let ports: Record<string, number>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-start-'));
    fs.chmodSync(dataDir, 0o755);
    const names = ['GATEWAY_PORT', 'ACCOUNT_PORT', 'AUTH_PORT', 'MARKET_PORT', 'ANALYSIS_PORT', 'ORDERS_PORT', 'LOGS_PORT', 'EMBEDDED_POSTGRES_PORT'] as const;
    const chosen = await freePorts(names.length);
    ports = Object.fromEntries(names.map((name, index) => [name, chosen[index]!]));
    env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', HERCK_DATA_DIR: dataDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('runs everything on an embedded PostgreSQL, stops cleanly on Ctrl-C, and finds its data again', async () => {
    const gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
    const first = await start(env);
    expect(first.output()).toContain(`http://localhost:${ports.GATEWAY_PORT}/graphql`);
    const registered = await send(gatewayUrl, RegisterDocument, { input: { username: 'persisted', email: 'persisted@example.com', firstName: 'P', lastName: 'Q' } });
    expect(registered.errors).toBeUndefined();

    // No SMTP_URL: the mail is a file under .data/mail that only its owner can read, and the live link is never logged.
    const deadline = Date.now() + 10_000;
    while (!first.output().includes('mail written to file') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const mailDir = path.join(dataDir, 'mail');
    const [mailFile] = fs.readdirSync(mailDir);
    const token = /token=([A-Za-z0-9_-]+)/.exec(fs.readFileSync(path.join(mailDir, mailFile!), 'utf8'))![1]!;
    expect(fs.statSync(mailDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(mailDir, mailFile!)).mode & 0o777).toBe(0o600);
    expect(first.output()).toContain(mailFile);
    expect(first.output()).not.toContain(token);

    // Simulated prices flow with nothing configured.
    let firstRound: string | null = null;
    await eventually(async () => (firstRound = (await send(gatewayUrl, MarketSnapshotDocument, { symbols: ['BTC'] })).data?.marketSnapshot.time ?? null) !== null, 20_000);

    expect(await stop(first)).toBe(0);
    for (const port of Object.values(ports)) expect(await portIsClosed(port)).toBe(true);
    expect(first.output()).toMatch(/"service":"account","msg":"stopped"/);

    const second = await start(env);
    expect(second.output()).not.toMatch(/migrations applied/);
    // The snapshot was loaded before the market reported ready: the last round before the restart, or a later one.
    const resumed = (await send(gatewayUrl, MarketSnapshotDocument, { symbols: ['BTC'] })).data?.marketSnapshot.time;
    expect(new Date(resumed!).getTime()).toBeGreaterThanOrEqual(new Date(firstRound!).getTime());
    const confirmed = await send(gatewayUrl, ConfirmEmailDocument, { token });
    expect(confirmed.data?.confirmEmail.passwordSetupToken).toEqual(expect.any(String));
    expect(await stop(second)).toBe(0);
    // Two whole starts and stops: over a minute on a loaded machine.
  }, 180_000);

  it('stops every service and the database when npm start itself is killed', async () => {
    const started = await start(env);
    const exited = new Promise((resolve) => started.process.once('exit', resolve));
    started.process.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + 15_000;
    const open = async () => (await Promise.all(Object.values(ports).map(portIsClosed))).some((closed) => !closed);
    while ((await open()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    for (const port of Object.values(ports)) expect(await portIsClosed(port)).toBe(true);
  });

  it('stops cleanly when npm\'s own process is sent SIGINT, as a process manager or `kill -INT <pid>` does', async () => {
    // Ctrl-C signals the whole process group; a signal sent to npm's pid alone reaches only what npm forwards it to.
    const started = await start(env, true);
    const exited = new Promise<number | null>((resolve) => started.process.once('exit', (code) => resolve(code)));
    started.process.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 45_000))]);
    // Still running: stop it as Ctrl-C would (its whole process group), so that nothing outlives the test.
    if (code === 'still running') process.kill(-started.process.pid!, 'SIGINT'), await exited;
    expect(code).toBe(0);
    for (const port of Object.values(ports)) expect(await portIsClosed(port)).toBe(true);
    expect(started.output().trim().split('\n').at(-1)).toMatch(/"msg":"Herck stopped"/);
  }, 120_000);

  it('starts its embedded PostgreSQL again when the database dies, and the platform answers again', async () => {
    const gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
    const started = await start(env);
    const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const crashed = postmasterPid();
    // An immediate shutdown: PostgreSQL's own way of stopping as after a crash (recovery at the next start).
    process.kill(crashed, 'SIGQUIT');
    await eventually(async () => started.output().includes('postgres exited unexpectedly; restarting it'), 30_000);
    // Each service reconnects on its own; account's readiness is its database answering.
    await eventually(async () => (await fetch(`http://127.0.0.1:${ports.ACCOUNT_PORT}/readyz`).catch(() => undefined))?.status === 200, 60_000);
    const registered = await send(gatewayUrl, RegisterDocument, { input: { username: 'cameback', email: 'cameback@example.com', firstName: 'B', lastName: 'C' } });
    expect(registered.errors).toBeUndefined();
    expect(postmasterPid()).not.toBe(crashed);
    expect(await stop(started)).toBe(0);
    for (const port of Object.values(ports)) expect(await portIsClosed(port)).toBe(true);
  }, 180_000);

  /** `npm start` that is expected to give up: its exit code and everything it printed. */
  async function startUntilExit(startEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [START_SCRIPT], { env: startEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    launched.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, output };
  }

  it('says Herck may be running already when one of its ports is taken, before starting anything', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.ORDERS_PORT, '127.0.0.1', resolve));
    try {
      const { code, output } = await startUntilExit(env);
      expect(code).toBe(1);
      expect(output).toContain(`Herck failed to start: port ${ports.ORDERS_PORT} (orders) is in use: is Herck running already?`);
      expect(output).not.toContain('starting embedded PostgreSQL');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('names every missing or bad variable of every process at once, and runs no embedded PostgreSQL in production', async () => {
    const { code, output } = await startUntilExit({ ...env, NODE_ENV: 'production', MARKET_INTERVAL_SECONDS: '-1' });
    expect(code).toBe(1);
    for (const variable of ['DATABASE_URL', 'SMTP_URL', 'CONFIRMATION_URL', 'AUTH_SIGNING_PRIVATE_KEY', 'INTERNAL_TOKEN_PRIVATE_KEY', 'SETUP_TOKEN_PRIVATE_KEY', 'LOG_SHIPPING_PRIVATE_KEY', 'LOG_SHIPPING_PUBLIC_KEY']) {
      expect(output).toContain(`  ${variable} is required in production`);
    }
    expect(output).toContain('  MARKET_INTERVAL_SECONDS must be');
    expect(output).not.toContain('starting embedded PostgreSQL');
    expect(output).not.toMatch(/exited unexpectedly|did not become ready/);
  });

  it('names start\'s own bad variables with the services\' at once, before any database starts: a port of 0 or given twice among them', async () => {
    const { code, output } = await startUntilExit({ ...env, GATEWAY_PORT: 'abc', ACCESS_TOKEN_TTL_SECONDS: '5', ACCOUNT_PORT: '0', LOGS_PORT: env.ORDERS_PORT });
    expect(code).toBe(1);
    expect(output).toContain('  GATEWAY_PORT must be a whole number');
    expect(output).toContain('  ACCESS_TOKEN_TTL_SECONDS must be');
    expect(output).toContain('  ACCOUNT_PORT must not be 0');
    expect(output).toContain(`  ORDERS_PORT and LOGS_PORT are both ${env.ORDERS_PORT}`);
    expect(output).not.toContain('starting embedded PostgreSQL');
    // An address that is not this machine's (TEST-NET-1) is named as HOST's problem, not as a port's.
    const elsewhere = await startUntilExit({ ...env, HOST: '192.0.2.1' });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.output).toContain('  HOST cannot be listened on here (EADDRNOTAVAIL), got "192.0.2.1"');
    expect(elsewhere.output).not.toContain('starting embedded PostgreSQL');
  });

  it('in production writes nothing but JSON lines, and names no Sandbox and no mail folder (mail goes to SMTP_URL)', async () => {
    const suffix = randomBytes(3).toString('hex');
    const names = Object.fromEntries(['ACCOUNT', 'AUTH', 'BUS', 'MARKET', 'ANALYSIS', 'ORDERS', 'LOGS'].map((name) => [`${name}_DATABASE_NAME`, `start_prod_${name.toLowerCase()}_${suffix}`]));
    const keyPair = () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      return [privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey.export({ type: 'spki', format: 'pem' }).toString()];
    };
    const [internalPrivate, internalPublic] = keyPair();
    const [setupPrivate, setupPublic] = keyPair();
    const [shippingPrivate, shippingPublic] = keyPair();
    const gateway = `http://localhost:${ports.GATEWAY_PORT}`;
    const started = await start({
      ...env,
      ...names,
      NODE_ENV: 'production',
      DATABASE_URL: process.env.DATABASE_URL,
      SMTP_URL: 'smtp://127.0.0.1:9',
      CONFIRMATION_URL: `${gateway}/confirm-email?token={token}`,
      PASSWORD_RESET_URL: `${gateway}/reset-password?token={token}`,
      AUTH_SIGNING_PRIVATE_KEY: keyPair()[0],
      INTERNAL_TOKEN_PRIVATE_KEY: internalPrivate,
      INTERNAL_TOKEN_PUBLIC_KEY: internalPublic,
      SETUP_TOKEN_PRIVATE_KEY: setupPrivate,
      SETUP_TOKEN_PUBLIC_KEY: setupPublic,
      LOG_SHIPPING_PRIVATE_KEY: shippingPrivate,
      LOG_SHIPPING_PUBLIC_KEY: shippingPublic,
      METRICS_TOKEN: 'start-metrics-token',
    });
    try {
      expect(started.output()).toContain(`${gateway}/graphql`);
      expect(started.output()).not.toMatch(/Sandbox|no SMTP_URL/);
      const notJson = started.output().split('\n').filter((line) => line.trim() !== '').filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
    } finally {
      expect(await stop(started)).toBe(0);
      for (const name of Object.values(names)) await dropDatabase(process.env.DATABASE_URL!, name);
    }
  }, 180_000);

  it('uses the PostgreSQL server that DATABASE_URL names instead', async () => {
    const suffix = randomBytes(3).toString('hex');
    const names = { ACCOUNT_DATABASE_NAME: `start_account_${suffix}`, AUTH_DATABASE_NAME: `start_auth_${suffix}`, BUS_DATABASE_NAME: `start_bus_${suffix}` };
    const started = await start({ ...env, ...names, DATABASE_URL: process.env.DATABASE_URL });
    expect(started.output()).not.toContain('starting embedded PostgreSQL');
    const registered = await send(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, RegisterDocument, {
      input: { username: 'external', email: 'external@example.com', firstName: 'E', lastName: 'X' },
    });
    expect(registered.errors).toBeUndefined();

    // One service lost (auth, killed outright) takes no other with it: it is started again.
    const auth = childRunning(started.process.pid!, path.join('subgraphs', 'auth', 'dist'));
    process.kill(auth, 'SIGKILL');
    await eventually(async () => started.output().includes('"msg":"auth exited unexpectedly; restarting it"'), 10_000);
    // The first restart comes after a second (the README's word).
    expect(started.output()).toMatch(/"delayMs":1000[^\n]*"msg":"auth exited unexpectedly; restarting it"/);
    const meanwhile = await send(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, RegisterDocument, {
      input: { username: 'meanwhile', email: 'meanwhile@example.com', firstName: 'M', lastName: 'W' },
    });
    expect(meanwhile.errors).toBeUndefined();
    await eventually(async () => (await fetch(`http://127.0.0.1:${ports.AUTH_PORT}/readyz`).catch(() => null))?.ok === true, 30_000);
    expect(childRunning(started.process.pid!, path.join('subgraphs', 'auth', 'dist'))).not.toBe(auth);

    expect(await stop(started)).toBe(0);
    // The gateway still stops first, though auth, restarted, started after it.
    const stopped = (service: string) => started.output().indexOf(`"service":"${service}","msg":"stopped"`);
    expect(stopped('gateway')).toBeGreaterThanOrEqual(0);
    expect(stopped('gateway')).toBeLessThan(stopped('auth'));
    // Its last line says every step of the stop is done.
    expect(started.output().trim().split('\n').at(-1)).toMatch(/"msg":"Herck stopped"/);
    for (const name of Object.values(names)) await dropDatabase(process.env.DATABASE_URL!, name);
  }, 180_000);
});
