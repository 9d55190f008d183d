import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { clientKey, Orm, RateBudget, RateLimitedError } from '@herck/common';

export interface MailLimits {
  /** Mails one mailbox receives per hour at most, whatever asked for them. */
  perRecipientPerHour: number;
  /** Mail-sending requests (register, resend, reset) one client may make per hour. */
  perClientPerHour: number;
}

const HOUR = 3600;

/**
 * Keeps the mail-sending mutations from being turned against a mailbox or
 * used as a spam relay. A client over its budget is told so (RATE_LIMITED: it
 * learns only about its own use); a mailbox over its budget just gets no
 * more mail, and the answer stays the same, so nothing about it is revealed.
 */
export class MailLimiter {
  private readonly recipients: RateBudget;
  private readonly clients: RateBudget;

  /** Mails one mailbox receives per hour at most. */
  readonly perRecipientPerHour: number;

  constructor(orm: Orm, limits: MailLimits) {
    this.perRecipientPerHour = limits.perRecipientPerHour;
    this.recipients = new RateBudget(orm, { name: 'mail-recipient', points: limits.perRecipientPerHour, windowSeconds: HOUR });
    this.clients = new RateBudget(orm, { name: 'mail-client', points: limits.perClientPerHour, windowSeconds: HOUR });
  }

  async admitClient(client: string | null): Promise<void> {
    const outcome = await this.clients.take(clientKey(client));
    if (!outcome.allowed) {
      throw new RateLimitedError(`Too many requests; try again in ${outcome.retryAfterSeconds} seconds`, outcome.retryAfterSeconds);
    }
  }

  async admitRecipient(email: string): Promise<boolean> {
    const key = mailboxKey(email);
    const outcome = await this.recipients.take(key);
    // A refused use is given back: the count stays at the limit, so the uses that requests sending
    // nothing give back bring it under again (left above, a burst of them kept the owner's mail away).
    if (!outcome.allowed) await this.recipients.giveBack(key);
    return outcome.allowed;
  }

  /** Gives back a use `admitRecipient` took for a request that sent no mail after all. */
  async releaseRecipient(email: string): Promise<void> {
    await this.recipients.giveBack(mailboxKey(email));
  }
}

/**
 * One mailbox, however it is spelled: letter case, `+tag` sub-addresses (ada+1@…, ada+2@…) and a
 * domain in Unicode or in its punycode (exämple.com, xn--exmple-cua.com) reach the same inbox.
 * Hashed: the counters hold no addresses.
 */
export function mailboxKey(email: string): string {
  const [local = '', domain = ''] = email.trim().toLowerCase().split(/@(?=[^@]*$)/);
  return createHash('sha256').update(`${local.replace(/\+.*$/, '')}@${domainToASCII(domain) || domain}`).digest('hex');
}
