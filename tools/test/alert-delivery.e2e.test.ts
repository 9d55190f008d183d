import http from 'node:http';
import { AddressInfo } from 'node:net';
import pg from 'pg';
import { Mail, Mailer } from '@herck/common';
import { send } from './support/graphql-client';
import { CreateStrategyDocument, CreateStrategyInput } from './support/operations.generated';
import { startTestPlatform, TestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

/**
 * Alert deliveries by channel: a mail server that stalls holds back no webhook, and holds a mail's
 * attempt no longer than MAIL_TIMEOUT_MS (five seconds here). The mailer here takes mails and answers
 * only when the test lets it, as a stalled SMTP server would.
 */
const stalled: { mail: Mail; release: () => void }[] = [];
const stallingMailer: Mailer = { send: (mail) => new Promise<void>((release) => stalled.push({ mail, release })) };

let platform: TestPlatform;
let user: SignedUpUser;
let receiver: http.Server;
let receiverUrl = '';
const received: { at: number; body: string }[] = [];

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ at: Date.now(), body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  platform = await startTestPlatform({ WEBHOOK_ALLOW_PRIVATE: 'true', MAIL_TIMEOUT_MS: '5000', DELIVERY_FIRST_RETRY_SECONDS: '600' }, { analysis: { mailer: stallingMailer } });
  user = await signUp(platform);
}, 60_000);

afterAll(async () => {
  for (const { release } of stalled.splice(0)) release();
  await platform?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
}, 60_000);

/** A round quoting these symbols now, as market announces it, applied by analysis. */
async function publishTick(symbols: string[]): Promise<void> {
  const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
  await bus.connect();
  try {
    const payload = { time: new Date().toISOString(), prices: symbols.map((symbol) => ({ symbol, price: '10', source: 'test' })) };
    await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.tick', 'market', $1)", [JSON.stringify(payload)]);
  } finally {
    await bus.end();
  }
  await platform.analysis!.runtime.catchUpEvents();
}

/** The mail delivery of the alert of the strategy on `symbol`, as analysis keeps it. */
const emailDelivery = async (symbol: string) =>
  (await platform.analysis!.runtime.orm.em.fork().execute<{ status: string; attempts: { error: string | null }[]; next_attempt_at: string | null }[]>(
    "SELECT d.status, d.attempts, d.next_attempt_at FROM deliveries d JOIN strategies s ON s.id = d.strategy_id WHERE s.name = ? AND d.channel = 'email'",
    [`on ${symbol}`],
  ))[0];

const strategy = (symbol: string, channels: CreateStrategyInput['channels']): CreateStrategyInput => ({ name: `on ${symbol}`, symbols: [symbol], indicators: [], condition: 'price > 1.0', channels });

/**
 * Until analysis's engine watches every enabled strategy the store holds. Compared with the store, not
 * with a count read before: a full reload (after a rollback, or on becoming the evaluating replica)
 * empties the engine and fills it again, and a count read in the middle of one is a wrong baseline.
 */
async function engineWatchesEveryStrategy(): Promise<void> {
  const enabled = async () => (await platform.analysis!.runtime.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM strategies WHERE enabled'))[0]!.n;
  await eventually(async () => platform.analysis!.engine.size === (await enabled()), 20_000);
}

describe('alert deliveries', () => {
  it('send a webhook while a mail waits on a stalled mail server', async () => {
    await publishTick(['MAILX', 'HOOKX']);
    for (const input of [strategy('MAILX', { inApp: false, email: true, webhookUrl: null }), strategy('HOOKX', { inApp: false, email: false, webhookUrl: receiverUrl })]) {
      expect((await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).errors).toBeUndefined();
    }
    await engineWatchesEveryStrategy();
    // A mail is due, and the mail server takes it without answering.
    await publishTick(['MAILX']);
    await eventually(async () => stalled.length === 1, 10_000);
    expect(stalled[0]!.mail.to).toBe(user.email);
    // Then a webhook: it had waited for the mail's pass to end (up to nodemailer's minutes; here, until the
    // mail's attempt gives up). It goes while the mail's attempt is still under way.
    await publishTick(['HOOKX']);
    await eventually(async () => received.length === 1, 10_000);
    expect((await emailDelivery('MAILX'))!.attempts).toEqual([]);
    expect(stalled).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'alert', alert: { symbol: 'HOOKX' } });
    stalled.splice(0).forEach(({ release }) => release());
  }, 60_000);

  it('count a mail the server has not taken within MAIL_TIMEOUT_MS as a failed attempt, to be tried again', async () => {
    await publishTick(['SLOWX']);
    expect((await send(platform.gatewayUrl, CreateStrategyDocument, { input: strategy('SLOWX', { inApp: false, email: true, webhookUrl: null }) }, user.accessToken)).errors).toBeUndefined();
    await engineWatchesEveryStrategy();
    await publishTick(['SLOWX']);
    const delivery = () => emailDelivery('SLOWX');
    // Left to nodemailer, the attempt would still be waiting (minutes), past the lease another replica honours.
    await eventually(async () => (await delivery())?.attempts.length === 1, 10_000);
    const row = (await delivery())!;
    expect([row.status, row.attempts[0]!.error]).toEqual(['PENDING', 'the mail server did not take the mail within 5000 ms']);
    expect(new Date(row.next_attempt_at!).getTime()).toBeGreaterThan(Date.now());
    stalled.splice(0).forEach(({ release }) => release());
  }, 60_000);
});
