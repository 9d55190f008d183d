import http from 'node:http';
import { AddressInfo } from 'node:net';
import { postWebhook } from '../src/modules/delivery/webhook-sender';

/** A receiver on loopback whose answer each test scripts. */
let server: http.Server;
let url = '';
let answer: (response: http.ServerResponse) => void = (response) => response.end();
let received = 0;
const open = new Set<http.ServerResponse>();

beforeAll(async () => {
  server = http.createServer((request, response) => {
    received += 1;
    open.add(response);
    response.on('close', () => open.delete(response));
    request.resume();
    request.on('end', () => answer(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  for (const response of open) response.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const post = (timeoutMs: number) => postWebhook(url, '{"type":"alert"}', 'secret', 'delivery-1', { timeoutMs, allowPrivate: true });

it('takes a 2xx as delivered the moment its status arrives, however slowly the body follows', async () => {
  answer = (response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('o');
    // The rest of the body never comes within the deadline.
  };
  expect(await post(5_000)).toEqual({ httpStatus: 200, error: null });
});

it('says there was no answer when no status came within the deadline', async () => {
  answer = () => undefined;
  expect(await post(300)).toEqual({ httpStatus: null, error: 'no answer within 300 ms' });
});

it('sends nothing to a literal private address unless private targets are allowed, also one saved while they were', async () => {
  answer = (response) => response.end();
  const before = received;
  const refused = await postWebhook(url, '{"type":"alert"}', 'secret', 'delivery-2', { timeoutMs: 5_000, allowPrivate: false });
  expect(refused).toEqual({ httpStatus: null, error: '127.0.0.1 is a loopback or private address' });
  expect(received).toBe(before);
});
