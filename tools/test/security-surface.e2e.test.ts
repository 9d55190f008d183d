import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { codes, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';

/** Attacks on the gateway's public surface (security audit): each refused with its documented status and code, nothing internal said. */
let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

describe('log download routes', () => {
  it('challenge a caller without a usable bearer token as RFC 6750 asks, like /graphql and /metrics do', async () => {
    for (const route of ['/logs/export', '/logs/archives/market_20261123T101500Z.log.gz']) {
      const anonymous = await fetch(new URL(route, platform.gatewayUrl));
      expect([route, anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([route, 401, 'Bearer']);
      const forged = await fetch(new URL(route, platform.gatewayUrl), { headers: { authorization: 'Bearer not.a.token' } });
      expect([route, forged.status, forged.headers.get('www-authenticate')]).toEqual([route, 401, 'Bearer error="invalid_token"']);
      expect(((await forged.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('documents nested deeper than the parser can follow', () => {
  it('fail to parse with a syntax error of their own, not the engine’s words (over HTTP and the socket alike)', async () => {
    // MAX_TOKENS raised so that the nesting, not the token count, is what stops the parser.
    const production = await platform.startGateway({
      NODE_ENV: 'production',
      MAX_TOKENS: '200000',
      INTERNAL_TOKEN_PRIVATE_KEY: fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8'),
    });
    const query = `{ marketSnapshot(symbols: ${'['.repeat(40_000)}${']'.repeat(40_000)}) { time } }`;
    const response = await sendRaw(production.url, { query });
    expect({ status: response.status, codes: codes(response) }).toEqual({ status: 200, codes: ['GRAPHQL_PARSE_FAILED'] });
    expect(response.errors?.[0]?.message).toBe('Syntax Error: the document nests too deeply');
    expect(response).not.toHaveProperty('data');

    const socket = new WebSocket(production.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: { type: string; id?: string; payload?: unknown }[] = [];
    const refused = new Promise<unknown>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
        messages.push(message);
        if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        if (message.type === 'error') resolve(message.payload);
      });
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    expect(await refused).toEqual([{ message: 'Syntax Error: the document nests too deeply', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }]);
    socket.close();
  });
});
