import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/** The compiled package (`npm run build`, as `npm test` runs first): a child process runs it as a service does. */
const COMMON = path.join(__dirname, '..', 'dist', 'src', 'index.js');

/** Every line a service process wrote (stdout and stderr) after `body` ran in its start-up, and its exit code. */
function runService(body: string): { status: number | null; lines: string[] } {
  const script = `
    const { Logger, runProcess } = require(${JSON.stringify(COMMON)});
    runProcess('crashing', async () => {
      const logger = new Logger('crashing', 'info');
      ${body}
      return { logger, stop: async () => undefined };
    });`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: child.status, lines: `${child.stdout}\n${child.stderr}`.split('\n').filter((line) => line.trim() !== '') };
}

const json = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return `not JSON: ${line}`;
  }
};

describe('runProcess', () => {
  it.each([
    ['an uncaught exception', "setTimeout(() => { throw new Error('boom from a timer'); }, 10);"],
    ['an unhandled rejection', "setTimeout(() => void Promise.reject(new Error('boom from a promise')), 10);"],
  ])('reports %s as one JSON log line of the service (with its stack), then exits 1', (_kind, body) => {
    const { status, lines } = runService(body);
    expect(status).toBe(1);
    const parsed = lines.map(json);
    expect(parsed.filter((line) => typeof line !== 'object')).toEqual([]);
    expect(parsed).toEqual([expect.objectContaining({ level: 'error', service: 'crashing', error: expect.objectContaining({ message: expect.stringMatching(/^boom/), stack: expect.any(String) }) })]);
  });

  it('stops at once, with a line saying so, when asked to stop while still starting', async () => {
    // A start-up that never ends: a database out of reach, say.
    const script = `
      const { runProcess } = require(${JSON.stringify(COMMON)});
      runProcess('starting', () => { console.log('starting'); return new Promise(() => setInterval(() => undefined, 1000)); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    await new Promise<void>((resolve) => child.stdout.on('data', () => output.includes('starting') && resolve()));
    child.kill('SIGTERM');
    // Exited by itself (code 0), not killed by the signal's default action.
    expect(await exited).toEqual([0, null]);
    expect(output.split('\n').filter((line) => line.startsWith('{')).map(json)).toEqual([expect.objectContaining({ level: 'info', service: 'starting', signal: 'SIGTERM', msg: 'stopped during start-up' })]);
  });
});
