import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvReader, packageVersion, readSubgraphConfig, repositoryRoot } from '../src';

describe('what a subgraph reports about itself', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-status-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const read = (extra: Record<string, string> = {}) => {
    const env = new EnvReader({ DATABASE_URL: 'postgres://u:p@db:5432/postgres', HERCK_DATA_DIR: dataDir, ...extra });
    return { env, config: readSubgraphConfig(env, 'market') };
  };

  it('names its package version, or HERCK_VERSION (a git commit) when set', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'subgraphs', 'market', 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion('market')).toBe(manifest.version);
    expect(read().config.version).toBe(manifest.version);
    expect(read({ HERCK_VERSION: '3f2c9e1' }).config.version).toBe('3f2c9e1');
  });

  it('gives a bus event 5 tries by default (BUS_MAX_ATTEMPTS), at least 1', () => {
    expect(read().config.busMaxAttempts).toBe(5);
    expect(read({ BUS_MAX_ATTEMPTS: '2' }).config.busMaxAttempts).toBe(2);
    const { env } = read({ BUS_MAX_ATTEMPTS: '0' });
    expect(() => env.finish({})).toThrow(/BUS_MAX_ATTEMPTS/);
  });
});
