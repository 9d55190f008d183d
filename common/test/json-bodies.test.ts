import http from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { jsonBodies } from '../src/server/json-bodies';

/** A server echoing the parsed body, or the parser's error as body-parser's would be reported. */
let server: http.Server;
let url: string;
beforeAll(async () => {
  const app = express();
  app.post('/', jsonBodies('1kb'), (req, res) => void res.json({ body: req.body as unknown }));
  app.use(((error, _req, res, _next) => void res.status(error.status ?? 500).json({ type: error.type })) as express.ErrorRequestHandler);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const post = async (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as { body?: unknown; type?: string } };
};

describe('JSON bodies', () => {
  it('parses an object or an array, and an empty body as an empty object', async () => {
    expect(await post('{"query":"{ a }","variables":{"x":"é"}}')).toEqual({ status: 200, json: { body: { query: '{ a }', variables: { x: 'é' } } } });
    expect(await post('[1,2]', { 'content-type': 'application/json; charset=UTF-8' })).toEqual({ status: 200, json: { body: [1, 2] } });
    expect(await post('')).toEqual({ status: 200, json: { body: {} } });
    // A byte-order mark first, as some Windows tools write: read past, as body-parser does for other charsets.
    expect(await post('\uFEFF{"query":"{ a }"}')).toEqual({ status: 200, json: { body: { query: '{ a }' } } });
  });

  it('refuses what body-parser refuses, with its error types', async () => {
    expect(await post('{"query":')).toEqual({ status: 400, json: { type: 'entity.parse.failed' } });
    expect(await post('"just a string"')).toEqual({ status: 400, json: { type: 'entity.parse.failed' } });
    expect(await post(JSON.stringify({ query: 'x'.repeat(2000) }))).toEqual({ status: 413, json: { type: 'entity.too.large' } });
  });

  it('leaves compressed bodies and other charsets to express.json, with its answers', async () => {
    const gzipped = gzipSync(Buffer.from('{"a":1}'));
    expect(await post(gzipped, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toEqual({ status: 200, json: { body: { a: 1 } } });
    // express.json takes only UTF charsets, and says so.
    expect(await post(Buffer.from('{"a":"\u00e9"}', 'latin1'), { 'content-type': 'application/json; charset=iso-8859-1' })).toEqual({ status: 415, json: { type: 'charset.unsupported' } });
  });

  it('takes the next request on the same connection after refusing one', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode!));
        });
        request.once('error', reject);
        request.end(body);
      });
    expect(await send('{"broken"')).toBe(400);
    expect(await send('{"fine":true}')).toBe(200);
    agent.destroy();
  });
});
