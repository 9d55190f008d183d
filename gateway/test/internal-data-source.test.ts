import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { generateKeyPem, InternalTokenSigner, signingKeyFrom } from '@herck/common';
import { InternalDataSource } from '../src/remote/internal-data-source';
import { PublicAnswerCache } from '../src/remote/public-answer-cache';

/** A subgraph that answers with whatever status (400 unless set) and body the test sets. */
let status = 400;
let answer: object = {};
const subgraph = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
});
const pool = new Agent();
let source: InternalDataSource;

beforeAll(async () => {
  await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`;
  const signer = new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem())));
  source = new InternalDataSource(url, 'orders', { signer, pool, publicAnswers: new PublicAnswerCache() });
});
afterAll(async () => {
  await pool.close();
  await new Promise((resolve) => subgraph.close(resolve));
});

const fetchOnce = () =>
  source.process({ request: { query: 'mutation ($input: PlaceBuyOrderInput!) { placeBuyOrder(input: $input) { id } }', variables: {} }, context: {} } as unknown as Parameters<InternalDataSource['process']>[0]);

describe('InternalDataSource', () => {
  it("passes on a subgraph's 400 whose errors are all BAD_USER_INPUT: the client's mistake, with its codes", async () => {
    answer = { errors: [{ message: 'amount must be a decimal number', extensions: { code: 'BAD_USER_INPUT', field: 'amount' } }] };
    await expect(fetchOnce()).resolves.toEqual(answer);
  });

  it('treats any other 400 as a failed fetch, so a subgraph validation error reaches no client', async () => {
    answer = { errors: [{ message: 'Cannot query field "secret". Did you mean "internalSecret"?', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] };
    await expect(fetchOnce()).rejects.toMatchObject({ message: '400: Bad Request' });
    answer = { errors: [{ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } }, { message: 'also', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] };
    await expect(fetchOnce()).rejects.toMatchObject({ message: '400: Bad Request' });
  });

  it("answers a subgraph's 413 as the gateway's own: BAD_REQUEST, the request too large (not an internal error)", async () => {
    status = 413;
    answer = { errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] };
    try {
      // At the field the fetch was for (Apollo Gateway maps it to the client's path).
      await expect(fetchOnce()).resolves.toEqual({ errors: [{ message: 'The request is too large for the orders service', path: ['placeBuyOrder'], extensions: { code: 'BAD_REQUEST' } }] });
    } finally {
      status = 400;
    }
  });
});
