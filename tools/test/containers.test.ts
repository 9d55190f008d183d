import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { readAccountConfig } from '@herck/account';
import { readAnalysisConfig } from '@herck/analysis';
import { readAuthConfig } from '@herck/auth';
import { BaseConfig, Environment, generateKeyPem, readLogShippingConfig, repositoryRoot, SUBGRAPHS } from '@herck/common';
import { readGatewayConfig } from '@herck/gateway';
import { readLogsConfig } from '@herck/logs';
import { readMarketConfig } from '@herck/market';
import { readOrdersConfig } from '@herck/orders';

/**
 * docker-compose.yml and the Dockerfile checked against the code, without Docker: each service's
 * variables are the ones its configuration readers read and accept, its URLs name the compose
 * services that serve them, and the scripts the image runs are what `npm run build` writes.
 */

interface ComposeService {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
}

const root = repositoryRoot();
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  'x-herck': { environment: Record<string, string> };
  services: Record<string, ComposeService>;
};
const services = compose.services;
const herckServices = Object.keys(services).filter((name) => services[name]!.build !== undefined);
const sharedNames = new Set(Object.keys(compose['x-herck'].environment));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-containers-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

type Reader = (source: Environment) => BaseConfig & { port: number };
const readers: Record<string, Reader> = {
  gateway: readGatewayConfig,
  account: readAccountConfig,
  auth: readAuthConfig,
  market: readMarketConfig,
  analysis: readAnalysisConfig,
  orders: readOrdersConfig,
  logs: readLogsConfig,
};

/** `${NAME:-default}` as compose fills it in from the shell it runs in (unset or empty: the default). */
const interpolate = (value: string | number | boolean, shell: Environment = {}) =>
  String(value).replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => shell[name] || fallback);

/** The service's environment in its container (the data folder moved to a scratch one), and the names its process reads. */
function runConfig(service: string, shell: Environment = {}) {
  const environment: Environment = Object.fromEntries(
    Object.entries(services[service]!.environment ?? {}).map(([name, value]) => [name, interpolate(value, shell)]),
  );
  environment.HERCK_DATA_DIR = dataDir;
  const read = new Set<string>();
  const source = new Proxy(environment, {
    get: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  const config = readers[service]!(source);
  const shipping = readLogShippingConfig(config, source);
  return { environment, config, shipping, read };
}

const configs = Object.fromEntries(herckServices.map((service) => [service, runConfig(service)]));
const portOf = (service: string) => configs[service]!.config.port;

describe('docker-compose.yml', () => {
  it('runs the gateway and every subgraph, each from its own build output', () => {
    expect(herckServices.sort()).toEqual(['gateway', ...SUBGRAPHS.map(({ name }) => name)].sort());
    for (const service of herckServices) {
      const workspace = service === 'gateway' ? 'gateway' : SUBGRAPHS.find(({ name }) => name === service)!.workspace;
      expect(services[service]!.command).toEqual(['node', `${workspace}/dist/src/main.js`]);
      expect(fs.existsSync(path.join(root, workspace, 'dist/src/main.js'))).toBe(true);
    }
  });

  it("sets only variables each service's configuration reads (shared ones: some service), all accepted", () => {
    for (const service of herckServices) {
      // Reading threw above (a ConfigError names each bad variable) if any was refused.
      const { environment, read } = configs[service]!;
      const unread = Object.keys(environment).filter((name) => !read.has(name) && !sharedNames.has(name));
      expect({ service, unread }).toEqual({ service, unread: [] });
    }
    const readBySome = new Set(herckServices.flatMap((service) => [...configs[service]!.read]));
    expect([...sharedNames].filter((name) => !readBySome.has(name))).toEqual([]);
  });

  it('has each service listen on every interface, at the port its health check asks', () => {
    for (const service of herckServices) {
      expect(configs[service]!.config.host).toBe('0.0.0.0');
      expect(services[service]!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${portOf(service)}/readyz`);
    }
    expect(services.gateway!.ports).toContain(`${portOf('gateway')}:${portOf('gateway')}`);
  });

  it('joins the services by their compose names, not localhost', () => {
    const gateway = readGatewayConfig({ ...configs.gateway!.environment });
    for (const { name } of SUBGRAPHS) expect(gateway.subgraphUrls[name]).toBe(`http://${name}:${portOf(name)}/graphql`);
    for (const service of herckServices) {
      const { environment, shipping } = configs[service]!;
      expect(new URL(shipping!.url).host).toBe(`logs:${portOf('logs')}`);
      for (const [name, value] of Object.entries(environment)) {
        if (!/^[a-z]+(\+srv)?:\/\//.test(value ?? '') || name === 'HERCK_DATA_DIR') continue;
        const { hostname, port } = new URL(value!);
        // Mail links are opened by people, on the machine the gateway's port is published to.
        if (name === 'CONFIRMATION_URL' || name === 'PASSWORD_RESET_URL') expect(`${hostname}:${port}`).toBe(`localhost:${portOf('gateway')}`);
        else expect({ name, host: Object.keys(services).includes(hostname) ? 'a compose service' : hostname }).toEqual({ name, host: 'a compose service' });
      }
    }
  });

  it('starts each service after the stores it uses are healthy, and the gateway after every subgraph', () => {
    const stores: Record<string, string> = { DATABASE_URL: 'postgres', LOGS_MONGODB_URL: 'mongo', REDIS_URL: 'redis' };
    for (const service of herckServices) {
      const dependsOn = services[service]!.depends_on ?? {};
      for (const [variable, store] of Object.entries(stores)) {
        const { environment, read } = configs[service]!;
        if (read.has(variable) && environment[variable]) expect({ service, store, ...dependsOn[store] }).toEqual({ service, store, condition: 'service_healthy' });
      }
    }
    for (const { name } of SUBGRAPHS) expect(services.gateway!.depends_on![name]).toEqual({ condition: 'service_healthy' });
  });

  it('keeps on named volumes what must outlive a container: keys, log archives, backups', () => {
    const volumeAt = (service: string, target: string) => (services[service]!.volumes ?? []).some((volume) => volume.endsWith(`:${target}`));
    const containerDataDir = interpolate(compose['x-herck'].environment.HERCK_DATA_DIR!);
    for (const service of herckServices) expect({ service, keys: volumeAt(service, `${containerDataDir}/keys`) }).toEqual({ service, keys: true });
    const logs = configs.logs!.config as ReturnType<typeof readLogsConfig>;
    const gateway = configs.gateway!.config as ReturnType<typeof readGatewayConfig>;
    expect(volumeAt('logs', path.join(containerDataDir, path.relative(dataDir, logs.archiveDir)))).toBe(true);
    expect(volumeAt('gateway', path.join(containerDataDir, path.relative(dataDir, gateway.backupDir)))).toBe(true);
  });

  it("calls PostgreSQL healthy only once it takes TCP connections (on a new volume, the image's set-up server listens on its socket alone)", () => {
    // A subgraph that cannot connect at start-up exits, and compose then fails the gateway's start ("dependency failed to start").
    expect(services.postgres!.healthcheck!.test.join(' ')).toMatch(/pg_isready .*(-h|--host)[ =](127\.0\.0\.1|localhost)\b/);
  });

  it('takes NODE_ENV and the keys from the shell, as README says: then every service starts in production mode', () => {
    const pair = () => {
      const privateKey = generateKeyPem();
      return { privateKey, publicKey: crypto.createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString() };
    };
    const [internal, setup, shipping, signing] = [pair(), pair(), pair(), pair()];
    const shell = {
      NODE_ENV: 'production',
      INTERNAL_TOKEN_PRIVATE_KEY: internal!.privateKey,
      INTERNAL_TOKEN_PUBLIC_KEY: internal!.publicKey,
      SETUP_TOKEN_PRIVATE_KEY: setup!.privateKey,
      SETUP_TOKEN_PUBLIC_KEY: setup!.publicKey,
      LOG_SHIPPING_PRIVATE_KEY: shipping!.privateKey,
      LOG_SHIPPING_PUBLIC_KEY: shipping!.publicKey,
      AUTH_SIGNING_PRIVATE_KEY: signing!.privateKey,
    };
    for (const service of herckServices) {
      // Throws a ConfigError naming any key the service needs and was not given.
      const { config, read } = runConfig(service, shell);
      expect({ service, production: config.production }).toEqual({ service, production: true });
      // No private key reaches a service that does not sign with it.
      const privateKeys = Object.keys(services[service]!.environment ?? {}).filter((name) => name.endsWith('_PRIVATE_KEY'));
      expect({ service, unread: privateKeys.filter((name) => !read.has(name)) }).toEqual({ service, unread: [] });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  it("installs with every workspace's package.json in place (npm ci runs before the sources are copied)", () => {
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    const copied = [...beforeInstall.matchAll(/^COPY (.+) \S+$/gm)].flatMap((match) => match[1]!.split(' '));
    const workspaces = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces.flatMap((pattern) =>
      pattern.endsWith('/*') ? fs.readdirSync(path.join(root, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -1)}${name}`) : [pattern],
    );
    for (const workspace of workspaces) expect(copied).toContain(`${workspace}/package.json`);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
  });

  it("leaves out of the build context all that git ignores (keys, the database's password, profiles, coverage)", () => {
    const lines = (file: string) => fs.readFileSync(path.join(root, file), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    const dockerignore = lines('.dockerignore');
    for (const pattern of lines('.gitignore').map((line) => line.replace(/\/$/, ''))) {
      expect({ pattern, ignored: dockerignore.includes(pattern) || dockerignore.includes(`**/${pattern}`) }).toEqual({ pattern, ignored: true });
    }
  });

  it('makes each folder compose mounts a named volume at, owned by the user the services run as', () => {
    const user = /^USER (\S+)$/m.exec(dockerfile)![1]!;
    const made = /^RUN mkdir -p (.+) && chown -R (\S+) \/data$/m.exec(dockerfile)!;
    expect(made[2]).toBe(user);
    const targets = herckServices.flatMap((service) => (services[service]!.volumes ?? []).map((volume) => volume.split(':')[1]!));
    for (const target of new Set(targets)) expect(made[1]!.split(' ')).toContain(target);
  });

  it("copies into the image every workspace's compiled code and the schema, and starts every service from them", () => {
    const workspaces = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces.flatMap((pattern) =>
      pattern.endsWith('/*') ? fs.readdirSync(path.join(root, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -1)}${name}`) : [pattern],
    );
    const copiedPackages = /for pkg in (.+?); do/.exec(dockerfile)![1]!.split(' ').flatMap((entry) =>
      entry.endsWith('/*') ? fs.readdirSync(path.join(root, entry.slice(0, -2))).map((name) => `${entry.slice(0, -1)}${name}`) : [entry],
    );
    expect([...copiedPackages].sort()).toEqual([...workspaces].sort());
    expect(dockerfile).toMatch(/cp -a package\.json node_modules schema \/runtime\//);
    // The gateway reads the supergraph below the repository root; every service runs a compiled script of a copied package.
    expect(path.relative(root, readGatewayConfig({ ...configs.gateway!.environment }).supergraphPath)).toBe(path.join('schema', 'supergraph.graphql'));
    for (const service of herckServices) {
      const script = (services[service]!.command ?? JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]!))[1] as string;
      expect(copiedPackages.some((pkg) => script.startsWith(`${pkg}/dist/src/`))).toBe(true);
    }
  });

  it('starts a script the build writes', () => {
    const command = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]!) as string[];
    expect(command[0]).toBe('node');
    expect(fs.existsSync(path.join(root, command[1]!))).toBe(true);
  });
});
