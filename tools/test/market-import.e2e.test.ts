import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger, repositoryRoot, TestEnvironment, testEnvironment } from '@herck/common';
import { readMarketConfig, startMarketService } from '@herck/market';
import { spawn } from 'node:child_process';
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

  it('refuses a file with bad lines as the API does: every bad line reported in file order, nothing imported', async () => {
    const file = path.join(dir, 'mixed.csv');
    const lines = [
      'time,open,high,low,close,volume',
      '2024-02-01T00:00:00Z,100,110,90,105,1000',
      '2024-02-02T00:00:00Z,abc,110,90,105,1000',
      '2024-02-03T05:00:00Z,100,110,90,105,1000',
      '2024-02-04T00:00:00Z,100,80,90,85,1000',
    ];
    fs.writeFileSync(file, [...lines, ''].join('\n'));

    const run = await marketImport('--symbol', 'BTC', '--interval', 'D1', file);

    expect(run.status).toBe(1);
    // Lines 3 and 5 fail parsing, line 4 the D1 check: still printed 3, 4, 5, each with its reason, as the API's extensions.lines.
    expect(run.stderr.trim().split('\n')).toEqual([
      'line 3: open is not a decimal number: "abc"',
      'line 4: time 2024-02-03T05:00:00.000Z is not the start of a D1 candle',
      'line 5: high below low',
      'BTC D1: 3 bad lines, nothing was imported',
    ]);
    expect(run.stdout).toBe('');

    // Line 2, the good one, was not written: the file without its bad lines imports it now.
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, [lines[0], lines[1], ''].join('\n'));
    const retry = await marketImport('--symbol', 'BTC', '--interval', 'D1', good);
    expect([retry.status, retry.stdout.trim()]).toEqual([0, 'BTC D1: 1 imported, 0 unchanged']);
  });

  it('leaves out the row of the candle open now, as the API does, and imports the rest', async () => {
    const file = path.join(dir, 'export.csv');
    const startOfToday = () => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    /** Imports a closed candle of `closedDay` and today's, still open by this process's clock. */
    const importWithOpenCandle = async (closedDay: string) => {
      const today = startOfToday();
      fs.writeFileSync(file, ['time,open,high,low,close,volume', `${closedDay}T00:00:00Z,100,110,90,105,1000`, `${today.toISOString()},100,110,90,105,1000`, ''].join('\n'));
      return { today, run: await marketImport('--symbol', 'BTC', '--interval', 'D1', file) };
    };
    // A run that crosses midnight UTC between this clock and the CLI's imports the day just ended instead: asked again, with
    // another closed candle, so that the answer is that of a run within one day.
    let { today, run } = await importWithOpenCandle('2024-03-01');
    if (today.getTime() !== startOfToday().getTime()) ({ today, run } = await importWithOpenCandle('2024-03-02'));

    expect(run.status).toBe(0);
    expect(run.stderr.trim()).toBe(`line 3: the D1 candle at ${today.toISOString()} has not closed yet; only past candles are imported`);
    expect(run.stdout.trim()).toBe('BTC D1: 1 imported, 0 unchanged, 1 left out (not closed yet)');
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
    expect(await refusal('--symbol', 'BTC', '--interval', 'D1', path.dirname(file))).toEqual([1, ['Invalid arguments:', `  ${path.dirname(file)} is a folder: give the CSV file in it`]]);
  });
  it('imports a file it can read only once (a pipe: /dev/stdin, <(zcat export.csv.gz)) as it imports one on disk', async () => {
    const file = path.join(dir, 'piped.csv');
    fs.writeFileSync(file, ['time,open,high,low,close,volume', '2024-04-01T00:00:00Z,100,110,90,105,1000', '2024-04-02T00:00:00Z,105,115,95,110,1000', ''].join('\n'));
    // The file reaches it through a pipe, as `cat piped.csv | npm run market:import -- … /dev/stdin` sends it; killed if it waits
    // for a second writer of the pipe (an answer, not a test that hangs).
    const piped = `cat "$1" | exec "$0" "$2" --symbol BTC --interval D1 /dev/stdin`;
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('sh', ['-c', piped, process.execPath, file, CLI], { env: { ...test.env, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
      let [stdout, stderr] = ['', ''];
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (status, signal) => resolve({ status: status ?? (signal as unknown as number), stdout, stderr }));
    });
    expect([run.status, run.stdout.trim(), run.stderr.trim()]).toEqual([0, 'BTC D1: 2 imported, 0 unchanged', '']);
  });
});
