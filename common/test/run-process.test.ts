import { spawnSync } from 'node:child_process';
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
});
