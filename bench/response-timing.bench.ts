import { performance } from 'node:perf_hooks';
import { LoginDocument, RegisterDocument, send, signUp, startTestPlatform } from '@herck/tools/test-support';
import { withBenchDatabase } from './bench-database';

/**
 * Do `login` and `register` take as long for a known account as for an unknown
 * one? Prints the median of each case and their ratio (1.00 = indistinguishable).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

async function median(run: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    await run(i);
    times.push(performance.now() - start);
    // Let the work a request leaves behind (mail, writes) finish outside the measurement.
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function report(name: string, known: number, unknown: number): void {
  console.log(`${name.padEnd(34)} known ${known.toFixed(1).padStart(7)} ms   unknown ${unknown.toFixed(1).padStart(7)} ms   ratio ${(known / unknown).toFixed(2)}`);
}

async function main(): Promise<void> {
  // High limits keep the pauses for repeated failures and requests out of the measurement.
  const platform = await startTestPlatform({ LOGIN_FREE_ATTEMPTS: '100', LOGIN_CLIENT_ATTEMPTS: '10000', MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '10000' });
  try {
    const user = await signUp(platform, 'benchuser');
    const wrongKnown = await median(() => send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: 'wrong-password-123' }));
    const wrongUnknown = await median((i) => send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: `ghost${i}`, password: 'wrong-password-123' }));
    report('login, wrong password', wrongKnown, wrongUnknown);

    const input = (username: string, email: string) => ({ input: { username, email, firstName: 'B', lastName: 'C' } });
    const registerTaken = await median((i) => send(platform.gatewayUrl, RegisterDocument, input(`taken${i}`, user.email)));
    const registerFresh = await median((i) => send(platform.gatewayUrl, RegisterDocument, input(`fresh${i}`, `fresh${i}@example.com`)));
    report('register, email taken vs free', registerTaken, registerFresh);
  } finally {
    await platform.stop();
  }
}

withBenchDatabase(main).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
