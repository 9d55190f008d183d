import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Logger } from '../logging/logger';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** A link worth printing on the console when mail is not really sent (development). */
  link?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export interface MailerConfig {
  smtpUrl?: string;
  from: string;
  /** Where mail goes when there is no SMTP server. */
  mailDir: string;
}

/** SMTP when SMTP_URL is set; otherwise one file per mail under `.data/mail/`, link on the console. */
export function createMailer(config: MailerConfig, logger: Logger): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(mail) {
        await transport.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text });
      },
    };
  }
  return {
    async send(mail) {
      await fs.mkdir(config.mailDir, { recursive: true });
      const file = path.join(config.mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
      const message = `From: ${config.from}\nTo: ${mail.to}\nSubject: ${mail.subject}\nContent-Type: text/plain; charset=utf-8\n\n${mail.text}\n`;
      await fs.writeFile(file, message, 'utf8');
      logger.info('mail written to file (no SMTP_URL set)', { to: mail.to, subject: mail.subject, file, link: mail.link });
    },
  };
}
