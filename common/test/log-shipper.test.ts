import http from 'node:http';
import { AddressInfo } from 'node:net';
import { LogShipper, until } from '../src';

/** A stand-in logs ingest route: records every batch and answers with the status the test chooses. */
class Receiver {
  readonly batches: string[][] = [];
  /** The batch id of every attempt, failed ones included. */
  readonly batchIds: string[] = [];
  /** When each attempt arrived (Date.now()). */
  readonly arrivals: number[] = [];
  status = 200;
  private readonly server = http.createServer((req, res) => {
    this.batchIds.push(String(req.headers['x-herck-log-batch']));
    this.arrivals.push(Date.now());
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (this.status === 200) this.batches.push(body.split('\n'));
      res.writeHead(this.status).end();
    });
  });
  attempts = 0;

  async start(): Promise<string> {
    this.server.on('request', () => this.attempts++);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/internal/logs`;
  }

  lines(): string[] {
    return this.batches.flat();
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}


const line = (index: number) => JSON.stringify({ level: 'info', msg: `line ${index}` });

describe('LogShipper', () => {
  let receiver: Receiver;
  let url: string;
  const shippers: LogShipper[] = [];
  const shipper = (options: Partial<ConstructorParameters<typeof LogShipper>[0]> = {}) => {
    const created = new LogShipper({ url, service: 'test', headers: () => ({ 'x-herck-log-token': 't' }), retryBaseMs: 20, retryMaxMs: 50, ...options });
    shippers.push(created);
    return created;
  };

  beforeEach(async () => {
    receiver = new Receiver();
    url = await receiver.start();
  });
  afterEach(async () => {
    await Promise.all(shippers.splice(0).map((created) => created.close(100)));
    await receiver.stop();
  });

  it('sends a batch as soon as it is full, and the rest after the flush interval', async () => {
    const subject = shipper({ batchEntries: 3, flushIntervalMs: 60_000 });
    for (let index = 0; index < 4; index++) subject.push(line(index));
    await until(() => subject.stats().shipped === 3);
    expect(receiver.batches).toEqual([[line(0), line(1), line(2)]]);
    expect(subject.stats()).toMatchObject({ buffered: 1, shipped: 3 });

    const timed = shipper({ batchEntries: 100, flushIntervalMs: 20 });
    timed.push(line(9));
    await until(() => receiver.batches.length === 2);
    expect(receiver.batches[1]).toEqual([line(9)]);
  });

  it('keeps a batch while logs is away and retries it with backoff: nothing lost, nothing twice', async () => {
    const reports: string[] = [];
    receiver.status = 503;
    const subject = shipper({ batchEntries: 2, flushIntervalMs: 10, report: (report) => reports.push(report) });
    for (let index = 0; index < 5; index++) subject.push(line(index));
    await until(() => receiver.attempts >= 3);
    expect(receiver.lines()).toEqual([]);
    expect(subject.stats().buffered).toBe(5);
    receiver.status = 200;
    await until(() => subject.stats().shipped === 5);
    expect(receiver.lines()).toEqual([0, 1, 2, 3, 4].map(line));
    // Each attempt resent the first batch as it was, under one id (logs derives entry ids from it).
    const firstBatch = receiver.batchIds[0]!;
    expect(firstBatch).toMatch(/^[0-9a-f-]{36}$/);
    expect(receiver.batchIds.slice(0, -2).every((id) => id === firstBatch)).toBe(true);
    expect(receiver.batches[0]).toEqual([line(0), line(1)]);
    // One line when shipping failed, one when it resumed: not one per attempt.
    expect(reports.map((report) => (JSON.parse(report) as { msg: string }).msg)).toEqual(['log shipping failed; retrying with backoff', 'log shipping resumed']);
  });

  it('keeps to its backoff while entries keep coming (they asked for a send at every flush interval)', async () => {
    receiver.status = 503;
    const logs = shipper({ flushIntervalMs: 5, retryBaseMs: 400, retryMaxMs: 400 });
    logs.push(line(0));
    await until(() => receiver.attempts === 1);
    // A process logging steadily while logs is away: a line every few milliseconds until the next attempt.
    const deadline = Date.now() + 5_000;
    for (let index = 1; receiver.attempts < 2 && Date.now() < deadline; index += 1) {
      logs.push(line(index));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // The backoff (400 ms, jittered down to half) starts once the first attempt's answer is in: the second
    // attempt arrives at least 200 ms after the first did.
    expect(receiver.attempts).toBe(2);
    expect(receiver.arrivals[1]! - receiver.arrivals[0]!).toBeGreaterThanOrEqual(200);
    receiver.status = 200;
    await logs.flush();
    expect(receiver.lines()).toContain(line(0));
  });

  it('holds at most maxBufferedEntries, counts what it drops and reports the count with the next batch that gets through', async () => {
    receiver.status = 503;
    const subject = shipper({ batchEntries: 10, maxBufferedEntries: 3, flushIntervalMs: 10 });
    for (let index = 0; index < 8; index++) subject.push(line(index));
    expect(subject.stats()).toMatchObject({ buffered: 3, dropped: 5 });
    receiver.status = 200;
    // Until the shipper has the acknowledgement (the receiver records the batch before answering).
    await until(() => subject.stats().shipped === 3);
    const [first, second, third, report] = receiver.lines();
    expect([first, second, third]).toEqual([line(0), line(1), line(2)]);
    expect(JSON.parse(report!)).toMatchObject({ level: 'warn', service: 'test', msg: 'log entries dropped before shipping', dropped: 5 });
    // Reported once: the next batch carries no drop count.
    subject.push(line(8));
    await subject.flush();
    expect(receiver.lines().slice(4)).toEqual([line(8)]);
  });

  it('drops a batch logs can never take (413) rather than retrying it for ever', async () => {
    receiver.status = 413;
    const subject = shipper({ batchEntries: 2, flushIntervalMs: 10 });
    subject.push(line(0));
    subject.push(line(1));
    await until(() => subject.stats().dropped === 2);
    expect(subject.stats().buffered).toBe(0);
  });

  it('never waits for logs: pushing is synchronous even when logs does not answer', async () => {
    const silent = Object.assign(http.createServer(() => undefined), { connections: 0 });
    silent.on('connection', () => silent.connections++);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const subject = shipper({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, batchEntries: 1, requestTimeoutMs: 200 });
    subject.push(line(0));
    await until(() => silent.connections > 0 || subject.stats().buffered === 1);
    // While that request hangs, every push is taken at once (no promise to wait for, nothing sent yet).
    for (let index = 1; index < 10_000; index++) expect(subject.push(line(index))).toBeUndefined();
    expect(subject.stats()).toMatchObject({ buffered: 10_000, shipped: 0, dropped: 0 });
    silent.closeAllConnections();
    silent.close();
  });
});
