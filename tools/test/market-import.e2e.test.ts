import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger, repositoryRoot, TestEnvironment, testEnvironment } from '@herck/common';
import { readMarketConfig, startMarketService } from '@herck/market';
import { runCli } from './support/run-cli';

const CLI = path.join(repositoryRoot(), 'tools', 'dist', 'src', 'market-import.js');

describe('npm run market:import', () => {
  let test: TestEnvironment;
  let dir: string;

  const marketImport = (...args: string[]) => runCli(CLI, args, test.env);

  beforeAll(async () => {
    test = testEnvironment({ MARKET_INGEST: 'false' });
    // One start creates the market database, runs its migrations and tracks the default assets.
    const service = await startMarketService(readMarketConfig(test.env), new Logger('market', 'error'), { providers: [] });
    await service.stop();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-market-import-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await test?.cleanUp();
  });

  it('reports bad lines in file order, whichever check refused them, and imports the rest', async () => {
    const file = path.join(dir, 'mixed.csv');
    fs.writeFileSync(
      file,
      [
        'time,open,high,low,close,volume',
        '2024-02-01T00:00:00Z,100,110,90,105,1000',
        '2024-02-02T00:00:00Z,abc,110,90,105,1000',
        '2024-02-03T05:00:00Z,100,110,90,105,1000',
        '2024-02-04T00:00:00Z,100,80,90,85,1000',
        '',
      ].join('\n'),
    );

    const run = await marketImport('--symbol', 'BTC', '--interval', 'D1', file);

    expect(run.status).toBe(0);
    // Lines 3 and 5 fail parsing, line 4 the D1 check: still printed 3, 4, 5.
    expect(run.stderr.trim().split('\n').map((line) => line.match(/^line (\d+):/)?.[1])).toEqual(['3', '4', '5']);
    expect(run.stdout.trim()).toBe('BTC D1: 1 imported, 0 unchanged, 3 refused');
  });

  it('refuses a command line it cannot follow as invalid arguments, naming the mistake', async () => {
    const file = path.join(dir, 'one.csv');
    fs.writeFileSync(file, 'time,open,high,low,close,volume\n');
    const refusal = async (...args: string[]) => {
      const run = await marketImport(...args);
      return [run.status, run.stderr.trim().split('\n')];
    };
    expect(await refusal('--symbol', 'BTC', '--interval', 'D1', file, file)).toEqual([1, ['Invalid arguments:', expect.stringMatching(/^ {2}one file at a time \(given 2\)/)]]);
    expect(await refusal('--symbol', 'BTC', '--interval', 'D1', '--limit', '5', file)).toEqual([1, ['Invalid arguments:', expect.stringMatching(/^ {2}Unknown option '--limit'/)]]);
    expect(await refusal('--symbol', 'B-T-C', '--interval', 'D1', file)).toEqual([1, ['Invalid arguments:', expect.stringMatching(/^ {2}--symbol: /)]]);
  });
});
