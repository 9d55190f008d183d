import { ReplayServer } from './replay-server';
import { useReplayServer } from './provider-test-kit';

describe('replay server', () => {
  const server = useReplayServer();

  it('answers a route with its fixture, status and headers, and records the request', async () => {
    server().route('GET', '/api/v3/global', { status: 429, fixture: 'coingecko/error-429.json', headers: { 'Retry-After': '12' } });

    const response = await fetch(`${server().url}/api/v3/global?x=1`, { headers: { 'x-cg-demo-api-key': 'key' } });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('12');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await response.json()) as { status: { error_code: number } }).status.error_code).toBe(429);
    expect(server().requests).toEqual([{ method: 'GET', path: '/api/v3/global', query: { x: '1' }, headers: expect.objectContaining({ 'x-cg-demo-api-key': 'key' }) }]);
  });

  it('matches on the query parameters a route names, newest route first, each used at most `times` times', async () => {
    server().route('GET', '/k', { body: 'any' });
    server().route('GET', '/k', { body: 'page 2', query: { startTime: '2' } });
    server().route('GET', '/k', { body: 'once', times: 1 });
    const text = async (query: string) => (await fetch(`${server().url}/k${query}`)).text();

    expect(await text('?startTime=2')).toBe('once');
    expect(await text('?startTime=2&limit=1000')).toBe('page 2');
    expect(await text('?startTime=3')).toBe('any');
  });

  it('answers 404 to a request no route matches', async () => {
    const response = await fetch(`${server().url}/nowhere?a=b`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no replay route for GET /nowhere?a=b' });
  });

  it('stops promptly even with a delayed answer outstanding', async () => {
    const slow = await ReplayServer.start();
    slow.route('GET', '/slow', { body: {}, delayMs: 60_000 });
    const pending = fetch(`${slow.url}/slow`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await slow.stop();

    expect(Date.now() - started).toBeLessThan(1_000);
    // By name: fetch's errors come from outside Jest's sandbox, so instanceof Error fails.
    expect(await pending).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });
});
