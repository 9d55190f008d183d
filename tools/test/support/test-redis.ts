import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port';

/** Where the run's Redis is, or why there is none: set by the global setup for every test file. */
const URL_VARIABLE = 'TEST_REDIS_URL';
const MISSING_VARIABLE = 'TEST_REDIS_MISSING';
/** Redis's own port, where a machine that has Redis runs it. */
const USUAL_URL = 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url` within a second. */
function answersPing(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname);
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A `redis-server` of the run's own on a free port, keeping nothing on disk; null when none is installed. */
async function startRedisServer(): Promise<{ url: string; server: ChildProcess } | null> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const started = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.once('spawn', () => resolve(true));
  });
  if (!started) return null;
  const url = `redis://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; !(await answersPing(url)); ) {
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGKILL');
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, server };
}

/**
 * For the global setup: the Redis that the tests of the Redis mode use. The one TEST_REDIS_URL
 * names; else one on Redis's own port; else a `redis-server` started for the run (returned, to be
 * stopped at its end). With none of them, those tests fail saying so (`testRedis`); the others run.
 */
export async function provideTestRedis(): Promise<ChildProcess | undefined> {
  if (process.env[URL_VARIABLE]) return undefined;
  if (await answersPing(USUAL_URL)) {
    process.env[URL_VARIABLE] = USUAL_URL;
    return undefined;
  }
  const started = await startRedisServer();
  if (started) process.env[URL_VARIABLE] = started.url;
  else process.env[MISSING_VARIABLE] = `no Redis answered at ${USUAL_URL} and no redis-server could be started (install Redis, or set ${URL_VARIABLE})`;
  return started?.server;
}

/** The run's Redis, for a test of the Redis mode; throws, failing that test, when the run has none. */
export function testRedis(): { url: string; host: string; port: number } {
  const url = process.env[URL_VARIABLE];
  if (!url) throw new Error(`This test needs Redis: ${process.env[MISSING_VARIABLE] ?? `${URL_VARIABLE} is not set (the Jest global setup sets it)`}`);
  const { hostname, port } = new URL(url);
  return { url, host: hostname, port: Number(port || 6379) };
}
