import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, EnvReader, readSubgraphConfig } from '../src';

describe('EnvReader', () => {
  it('reports every bad variable at once, by name', () => {
    const env = new EnvReader({ PORT: 'eighty', FLAG: 'maybe', MODE: 'fast', URL: 'nope' });
    env.port('PORT', 80);
    env.bool('FLAG', false);
    env.oneOf('MODE', ['slow', 'safe'] as const, 'safe');
    env.url('URL', undefined, ['http']);
    let thrown: unknown;
    try {
      env.finish({});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^PORT /),
      expect.stringMatching(/^FLAG /),
      expect.stringMatching(/^MODE /),
      expect.stringMatching(/^URL /),
    ]);
  });

  it('uses defaults for unset and empty variables', () => {
    const env = new EnvReader({ EMPTY: '' });
    expect(env.port('EMPTY', 4000)).toBe(4000);
    expect(env.list('MISSING', ['a'])).toEqual(['a']);
    expect(env.finish('ok')).toBe('ok');
  });
});

describe('readSubgraphConfig', () => {
  it('derives its own database and the bus database from DATABASE_URL', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-config-'));
    const env = new EnvReader({ DATABASE_URL: 'postgres://u:p@db:5432/postgres', HERCK_DATA_DIR: dataDir, ACCOUNT_PORT: '5001' });
    const config = env.finish(readSubgraphConfig(env, 'account'));
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/account');
    expect(config.busUrl).toBe('postgres://u:p@db:5432/bus');
    expect(config.port).toBe(5001);
    expect(config.internalTokenKeys).toHaveLength(1);
    fs.rmSync(dataDir, { recursive: true });
  });

  it('refuses a housekeeping interval longer than a timer holds (Node would run it every millisecond)', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-config-'));
    const read = (seconds: string) => {
      const env = new EnvReader({ DATABASE_URL: 'postgres://u:p@db:5432/postgres', HERCK_DATA_DIR: dataDir, HOUSEKEEPING_INTERVAL_SECONDS: seconds });
      return () => env.finish(readSubgraphConfig(env, 'account'));
    };
    expect(read('2147483')().housekeepingIntervalSeconds).toBe(2_147_483);
    expect(read('3000000')).toThrow(/HOUSEKEEPING_INTERVAL_SECONDS must be a whole number from 1 to 2147483/);
    fs.rmSync(dataDir, { recursive: true });
  });

  it('refuses to start in production without a database or keys, naming the variables', () => {
    const env = new EnvReader({ NODE_ENV: 'production' });
    readSubgraphConfig(env, 'auth');
    expect(() => env.finish({})).toThrow(/DATABASE_URL[\s\S]*INTERNAL_TOKEN_PUBLIC_KEY/);
  });
});
