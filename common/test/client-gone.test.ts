import http from 'node:http';
import { AddressInfo } from 'node:net';
import { clientGoneSignal } from '../src/server/client-gone';
import { until } from '../src/testing/until';

describe('a request’s client-gone signal', () => {
  const signals: AbortSignal[] = [];
  const closed: string[] = [];
  /** Answers "/answer" at once, holds anything else until its client goes. */
  const server = http.createServer((req, res) => {
    signals.push(clientGoneSignal(res));
    res.once('close', () => closed.push(req.url!));
    if (req.url === '/answer') res.end('ok');
  });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('stays quiet for an answered request, and aborts when the client hangs up before its answer', async () => {
    const answered = await fetch(`${url}/answer`, { headers: { connection: 'close' } });
    expect(await answered.text()).toBe('ok');
    await until(() => closed.includes('/answer'));
    const request = http.get(`${url}/held`);
    request.on('error', () => undefined);
    await until(() => signals.length === 2);
    request.destroy();
    await until(() => signals[1]!.aborted);
    expect((signals[1]!.reason as Error).name).toBe('ClientGoneError');
    // The answered one's response closed too, without aborting its signal.
    expect(signals[0]!.aborted).toBe(false);
  });
});
