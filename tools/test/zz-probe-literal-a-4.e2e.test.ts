import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { signUp } from './support/users';

let platform: TestPlatform;
function brief(res: { status: number; data?: unknown; errors?: readonly any[] }) {
  return { status: res.status, data: res.data ? 'DATA' : res.data, errors: res.errors?.map((e) => ({ m: e.message.slice(0, 120), c: e.extensions?.code })) };
}
const login = (u: string, p: string, ip?: string) =>
  sendRaw(platform.gatewayUrl, { query: 'mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { accessToken } }', variables: { u, p } }, undefined, ip ? { 'x-forwarded-for': ip } : {}).then(brief);
const log = (k: string, v: unknown) => console.log(`PROBE ${k} ${JSON.stringify(v).slice(0, 1500)}`);

beforeAll(async () => {
  platform = await startTestPlatform({ TRUST_PROXY: 'true' });
}, 60_000);
afterAll(() => platform?.stop());

it('probes', async () => {
  const a = await signUp(platform);
  const seq: unknown[] = [];
  for (let i = 0; i < 5; i++) seq.push((await login(a.username, `wrong-pass-${i}-xyz`)).errors?.[0]?.c);
  log('fiveWrongByName', seq);
  log('emailRight', await login(a.email, a.password));
  log('emailWrong', await login(a.email, 'wrong-pass-9-xyz'));
  log('nameRight', await login(a.username, a.password));
  log('nameRightOtherClient', await login(a.username, a.password, '203.0.113.7'));
  log('emailRightOtherClient', await login(a.email, a.password, '203.0.113.8'));

  const b = await signUp(platform);
  const attack = await Promise.all(Array.from({ length: 60 }, (_, i) => login(i % 2 ? b.email : b.username, `wrong-guess-${i}-abc`, '198.51.100.9')));
  const tally: Record<string, number> = {};
  for (const g of attack) { const k = String(g.errors?.[0]?.c); tally[k] = (tally[k] ?? 0) + 1; }
  log('attackTally', tally);
  log('ownerOtherClient', await login(b.username, b.password, '192.0.2.44'));
  // unknown names: same answers
  const seqU: unknown[] = [];
  for (let i = 0; i < 7; i++) seqU.push((await login('nobody-at-all', `wrong-pass-${i}-xyz`, '192.0.2.99')).errors?.[0]?.c);
  log('unknownSeq', seqU);
  const seqK: unknown[] = [];
  const c = await signUp(platform);
  for (let i = 0; i < 7; i++) seqK.push((await login(c.username, `wrong-pass-${i}-xyz`, '192.0.2.98')).errors?.[0]?.c);
  log('knownSeq', seqK);
}, 120_000);
