import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on an ephemeral port that keeps what it receives. */
export class SmtpMailbox {
  readonly received: ReceivedMail[] = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const [head = '', ...body] = raw.split(/\r?\n\r?\n/);
        const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
        const quotedPrintable = /Content-Transfer-Encoding: quoted-printable/i.test(head);
        const text = body.join('\n\n');
        for (const recipient of session.envelope.rcptTo) {
          this.received.push({ to: recipient.address, subject, text: quotedPrintable ? decodeQuotedPrintable(text) : text });
        }
        callback();
      });
    },
  });

  /** Listens on `port` (an ephemeral one by default; a fixed one stands for a mail server coming back). */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Waits for the n-th mail to `to` (1-based) to arrive. */
  async waitFor(to: string, nth = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mails = this.received.filter((mail) => mail.to === to);
      if (mails.length >= nth) return mails[nth - 1]!;
      if (Date.now() > deadline) throw new Error(`no mail #${nth} for ${to} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  countFor(to: string): number {
    return this.received.filter((mail) => mail.to === to).length;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The token in a mailed link (confirmation or password reset). */
export function tokenInLink(mail: ReceivedMail): string {
  const token = /[?&]token=([A-Za-z0-9_.-]+)/.exec(mail.text)?.[1];
  if (!token) throw new Error(`no confirmation link in mail: ${mail.text}`);
  return token;
}
