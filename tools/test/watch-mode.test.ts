import { spawn } from 'node:child_process';
import path from 'node:path';
import { refuseWatchMode } from './support/watch-mode';

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

describe('the test run', () => {
  it('refuses watch mode, whose kept workers would test the packages as they were loaded', () => {
    const refusals: string[] = [];
    const end = (message: string): never => {
      refusals.push(message);
      throw new Error(message);
    };
    expect(() => refuseWatchMode({ watch: true }, end)).toThrow('jest --watch is not supported');
    expect(() => refuseWatchMode({ watchAll: true }, end)).toThrow('jest --watch is not supported');
    expect(() => refuseWatchMode({ watch: false, watchAll: false }, end)).not.toThrow();
    expect(refusals).toHaveLength(2);
  });

  it('ends `jest --watch` with the refusal, where Jest itself would keep waiting for changes', async () => {
    const child = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--watch', 'tools/test/watch-mode.test.ts'], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    // Generous: the run first brings the build up to date; a run still going by then is one left waiting.
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, sig) => resolve([code, sig])));
    clearTimeout(giveUp);
    expect(output).toContain('jest --watch is not supported');
    expect({ status, signal }).toEqual({ status: 1, signal: null });
  }, 60_000);
});
