import { EntityManager } from '@mikro-orm/postgresql';
import { DrainLoop, Logger, Mailer, Orm, RepeatedFailure } from '@herck/common';
import { DeliveryRow } from './delivery-row';
import { DeliveryStatus } from './delivery.type';
import { postWebhook, WebhookResult } from './webhook-sender';

export interface DeliverySettings {
  retryHours: number;
  firstRetrySeconds: number;
  webhookTimeoutMs: number;
  /**
   * How long an SMTP server may take to accept one mail before the attempt counts as failed (it is
   * tried again later). Left to nodemailer, a server that stalls holds an attempt for minutes, past
   * the lease: another replica then sent the same mail again.
   */
  mailTimeoutMs: number;
  allowPrivate: boolean;
}

/** Deliveries taken per pass; each is leased so another replica does not send it too. */
const BATCH = 20;
const MAX_BACKOFF_SECONDS = 3600;
/** Each channel is sent on its own: a slow mail server does not hold webhooks back, nor the reverse. */
const CHANNELS = ['webhook', 'email'] as const;
type Channel = (typeof CHANNELS)[number];

/**
 * Sends the mail and webhook deliveries written with alerts: due ones are
 * leased, sent, and recorded; failures are retried with exponential backoff
 * until the retry window closes, then marked FAILED. Webhooks and mails are
 * leased and sent in passes of their own.
 */
export class DeliveryWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Gives up the mails being sent when the service stops: shutdown does not wait out MAIL_TIMEOUT_MS. */
  private readonly stopping = new AbortController();
  private readonly passes: DrainLoop[];

  constructor(
    private readonly orm: Orm,
    private readonly mailer: Mailer,
    private readonly settings: DeliverySettings,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
  ) {
    this.passes = CHANNELS.map((channel) => new DrainLoop(() => this.pass(channel), new RepeatedFailure(this.logger, `${channel} delivery`)));
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass of each channel now (or right after the one under way). */
  kick(): void {
    for (const pass of this.passes) void pass.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopping.abort();
    await Promise.all(this.passes.map((pass) => pass.stop()));
  }

  /** Sends one batch of the channel's due deliveries; true when another may be due. */
  private async pass(channel: Channel): Promise<boolean> {
    if (this.stopped) return false;
    const due = await this.lease(channel);
    await Promise.all(due.map((delivery) => this.send(delivery)));
    return due.length > 0;
  }

  private async lease(channel: Channel): Promise<LeasedDelivery[]> {
    const em = this.orm.em.fork() as EntityManager;
    // The lease outlasts one send (each bounded); a replica that dies mid-send leaves the row due again after it.
    const leaseSeconds = Math.ceil((channel === 'email' ? this.settings.mailTimeoutMs : this.settings.webhookTimeoutMs) / 1000) + 30;
    return em.execute(
      `UPDATE deliveries d SET next_attempt_at = now() + make_interval(secs => ?)
        FROM strategies s LEFT JOIN accounts a ON a.id = s.owner_id
       WHERE d.strategy_id = s.id AND d.id IN (
         SELECT id FROM deliveries WHERE status = 'PENDING' AND channel = ? AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING d.*, s.webhook_secret AS secret, a.email AS email, s.webhook_url AS webhook_url, s.notify_email AS notify_email`,
      [leaseSeconds, channel, BATCH],
    );
  }

  private async send(delivery: LeasedDelivery): Promise<void> {
    const withdrawn = channelWithdrawn(delivery);
    if (withdrawn) return this.giveUp(delivery, withdrawn);
    let result: WebhookResult;
    if (delivery.channel === 'webhook') {
      result = delivery.secret
        ? await postWebhook(delivery.target, delivery.body, delivery.secret, delivery.id, { timeoutMs: this.settings.webhookTimeoutMs, allowPrivate: this.settings.allowPrivate })
        : { httpStatus: null, error: 'the strategy has no webhook secret' };
    } else {
      result = await this.mail(delivery);
    }
    // Mail has no status: it went when the SMTP server took it. A webhook went when the receiver said 2xx.
    const delivered = result.error === null && (delivery.channel === 'email' || (result.httpStatus !== null && result.httpStatus >= 200 && result.httpStatus < 300));
    const attempt = { at: new Date().toISOString(), httpStatus: result.httpStatus, error: result.error ?? (delivered ? null : `HTTP ${result.httpStatus}`) };
    const tries = delivery.attempts.length + 1;
    const backoffSeconds = Math.min(this.settings.firstRetrySeconds * 2 ** (tries - 1), MAX_BACKOFF_SECONDS);
    const now = Date.now();
    const windowEnds = new Date(delivery.created_at).getTime() + this.settings.retryHours * 3600_000;
    // Tried until the window ends: the last try falls at its end, not up to a backoff (an hour) before it.
    const next = new Date(Math.min(now + backoffSeconds * 1000, windowEnds));
    const status = delivered ? DeliveryStatus.DELIVERED : now >= windowEnds ? DeliveryStatus.FAILED : DeliveryStatus.PENDING;
    if (!delivered) this.logger.warn('delivery failed', { delivery: delivery.id, channel: delivery.channel, tries, httpStatus: result.httpStatus, error: attempt.error, status });
    await this.orm.em.fork().getConnection().execute(
      `UPDATE deliveries SET status = ?, attempts = attempts || ?::jsonb, next_attempt_at = ? WHERE id = ?`,
      [status, JSON.stringify([attempt]), status === DeliveryStatus.PENDING ? next : null, delivery.id],
    );
  }

  /** Ends a delivery without an attempt: its owner took the channel off the strategy since. */
  private async giveUp(delivery: LeasedDelivery, reason: string): Promise<void> {
    const attempt = { at: new Date().toISOString(), httpStatus: null, error: reason };
    await this.orm.em.fork().getConnection().execute(`UPDATE deliveries SET status = ?, attempts = attempts || ?::jsonb, next_attempt_at = NULL WHERE id = ?`, [
      DeliveryStatus.FAILED,
      JSON.stringify([attempt]),
      delivery.id,
    ]);
  }

  private async mail(delivery: DeliveryRow & { email: string | null }): Promise<WebhookResult> {
    if (!delivery.email) return { httpStatus: null, error: 'the owner has no known mail address' };
    const { subject, text } = JSON.parse(delivery.body) as { subject: string; text: string };
    // Given up at the deadline or at shutdown, the mail is withdrawn from the transport too: one that
    // went out after its attempt was recorded as failed would go out again at the retry.
    const stopped = 'the service stopped before the mail server took the mail';
    const signal = AbortSignal.any([AbortSignal.timeout(this.settings.mailTimeoutMs), this.stopping.signal]);
    const givenUp = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error(this.stopping.signal.aborted ? stopped : `the mail server did not take the mail within ${this.settings.mailTimeoutMs} ms`)), { once: true }),
    );
    givenUp.catch(() => undefined);
    if (signal.aborted) return { httpStatus: null, error: stopped };
    try {
      await Promise.race([this.mailer.send({ to: delivery.email, subject, text }, { signal }), givenUp]);
      return { httpStatus: null, error: null };
    } catch (error) {
      return { httpStatus: null, error: (error as Error).message };
    }
  }
}

/** A due delivery with what its strategy says now: the secret to sign with, the owner's address, its channels. */
type LeasedDelivery = DeliveryRow & { secret: string | null; email: string | null; webhook_url: string | null; notify_email: boolean };

/**
 * Why a delivery must not go any more, or null: its strategy no longer posts to that URL (the
 * webhook was removed or moved: an alert's data must not reach an endpoint its owner withdrew,
 * for up to a day of retries) or no longer mails.
 */
function channelWithdrawn(delivery: LeasedDelivery): string | null {
  if (delivery.channel === 'webhook' && delivery.webhook_url !== delivery.target) {
    return delivery.webhook_url === null ? 'the webhook was removed from the strategy' : 'the strategy posts to another URL now';
  }
  if (delivery.channel === 'email' && !delivery.notify_email) return 'mail was turned off for the strategy';
  return null;
}
