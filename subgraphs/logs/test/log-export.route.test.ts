import http from 'node:http';
import { AddressInfo } from 'node:net';
import express, { RequestHandler } from 'express';
import { Logger, LOG_EXPORT_INTERNAL_PATH } from '@herck/common';
import { PostgresLogStore } from '../src';
import { serveLogExports } from '../src/modules/entry/log-export.route';
import { LogQueryService } from '../src/modules/entry/log-query.service';
import { LogStore } from '../src/modules/store/log-store';
import { useLogsStore } from './support/logs-store';

/**
 * The export route of the logs subgraph against a real store: what it reads for HEAD, and what it
 * answers when the store fails before the first page (an error, not a 200 with an empty file).
 */
const logs = useLogsStore();
let server: http.Server;
let url: string;
let reads = 0;
let failNextRead = false;

/** The gateway's vouching, as the internal-token check leaves it: an admin. */
const asAdmin: RequestHandler = (_req, res, next) => {
  res.locals.caller = { identity: { accountId: '00000000-0000-4000-8000-000000000001', roles: ['ADMIN'] }, client: null };
  next();
};

beforeAll(async () => {
  const real = new PostgresLogStore(logs.orm);
  await real.insert([{ id: '5b1f0b3e-0000-4000-8000-000000000001', time: new Date('2026-11-21T10:00:00Z'), service: 'export-route', level: 'info', message: 'kept', requestId: null, fields: {}, bytes: 10 }]);
  // The real store, its reads counted; a read can be made to fail as a dropped connection does.
  const store = new Proxy(real, {
    get(target, key) {
      if (key !== 'search') return Reflect.get(target, key);
      return (...args: Parameters<LogStore['search']>) => {
        reads += 1;
        if (failNextRead) {
          failNextRead = false;
          return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
        }
        return target.search(...args);
      };
    },
  });
  const app = express();
  serveLogExports(app, new LogQueryService(store, { maxQueryLength: 200, maxBytesPerService: 1_000_000 }), asAdmin, new Logger('logs', 'error'));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${LOG_EXPORT_INTERNAL_PATH}?services=export-route`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

it('answers HEAD with the headers of an export without reading the store', async () => {
  reads = 0;
  const head = await fetch(url, { method: 'HEAD' });
  expect([head.status, head.headers.get('content-type'), reads]).toEqual([200, 'application/x-ndjson; charset=utf-8', 0]);
  const get = await fetch(url);
  expect([get.status, (await get.text()).split('\n').filter(Boolean).length]).toEqual([200, 1]);
  expect(reads).toBe(1);
});

it('answers 503 when the store fails before the first page, not a 200 with an empty file', async () => {
  failNextRead = true;
  const failed = await fetch(url);
  expect(failed.status).toBe(503);
  expect(await failed.json()).toEqual({ errors: [{ message: 'The log store is unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
});

it('refuses text the store cannot search for (a NUL character) as bad input, not as a store that is down', async () => {
  const before = reads;
  for (const parameter of ['text=abc%00def', 'requestId=abc%00defgh', 'services=a%00b']) {
    const answer = await fetch(`${url.replace('?services=export-route', '')}?${parameter}`);
    expect({ parameter, status: answer.status, body: await answer.json() }).toEqual({
      parameter,
      status: 400,
      body: { errors: [expect.objectContaining({ message: expect.stringMatching(/NUL character/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })] },
    });
  }
  expect(reads).toBe(before);
});
