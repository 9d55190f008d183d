import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Logger } from '../logging/logger';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** `signal` gives the mail up: an SMTP transport stops sending it (a mail given up must not go out later). */
  send(mail: Mail, options?: { signal?: AbortSignal }): Promise<void>;
}

export interface MailerConfig {
  smtpUrl?: string;
  from: string;
  /** Where mail goes when there is no SMTP server. */
  mailDir: string;
}

/**
 * SMTP when SMTP_URL is set; otherwise one file per mail under `.data/mail/`
 * (development only: production requires SMTP_URL). Mail holds live tokens, so
 * the files are readable by their owner alone and the log names the file, never
 * the link.
 */
export function createMailer(config: MailerConfig, logger: Logger): Mailer {
  if (config.smtpUrl) {
    // nodemailer waits up to 2 minutes to set a connection up (lookup, connect, greeting, TLS) and 10
    // of silence: a stalled server would hold a request (or a delivery past its lease) that long.
    // Options in the URL's query still win.
    const transport = nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: 20_000, socketTimeout: 30_000 });
    return {
      async send(mail, options) {
        // An address object, not text nodemailer would parse as a list: one mail, one mailbox.
        const message = { from: config.from, to: { name: '', address: mail.to }, subject: mail.subject, text: mail.text };
        // nodemailer's own types predate its `signal` option, which closes the connection or drops the queued mail.
        await transport.sendMail({ ...message, ...(options?.signal && { signal: options.signal }) } as typeof message);
      },
    };
  }
  return {
    async send(mail) {
      await fs.mkdir(config.mailDir, { recursive: true, mode: 0o700 });
      // mkdir leaves an existing folder's mode alone: a folder from an older version may be world-readable.
      await fs.chmod(config.mailDir, 0o700);
      const file = path.join(config.mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
      const message = `From: ${config.from}\nTo: ${mail.to}\nSubject: ${mail.subject}\nContent-Type: text/plain; charset=utf-8\n\n${mail.text}\n`;
      await fs.writeFile(file, message, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
      logger.info('mail written to file (no SMTP_URL set); open it for the link', { subject: mail.subject, file });
    },
  };
}
