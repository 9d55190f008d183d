import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMailer, Logger } from '../src';

describe('the file mailer (no SMTP_URL)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-mailer-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes mail only its owner can read, in a folder only its owner can enter, and logs no link', async () => {
    const mailDir = path.join(dir, 'mail');
    fs.mkdirSync(mailDir, { mode: 0o755 });
    fs.chmodSync(mailDir, 0o755);
    const lines: string[] = [];
    const logger = new Logger('test', 'debug', {}, (line) => lines.push(line));
    const link = 'http://localhost:4000/confirm-email?token=live-secret-token';
    await createMailer({ from: 'Herck <no-reply@herck.local>', mailDir }, logger).send({ to: 'ada@example.com', subject: 'Confirm', text: `Hello\n\n${link}\n` });

    const [file] = fs.readdirSync(mailDir);
    expect(fs.statSync(mailDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(mailDir, file!)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(mailDir, file!), 'utf8')).toContain(link);
    expect(lines.join('\n')).toContain(file);
    expect(lines.join('\n')).not.toContain('live-secret-token');
  });
});
