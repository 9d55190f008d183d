import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GraphQLFormattedError } from 'graphql';
import { readGatewayConfig, RunningGateway } from '@herck/gateway';
import { TestPlatform, startTestPlatform } from './support/platform';
import { startTickNotesSubgraph, TickNotesSubgraph, writeSupergraphWithNotes } from './support/tick-notes.subgraph';
import { eventually, signUp, SignedUpUser } from './support/users';

const TICKS_WITH_NOTES = 'subscription { ticks(symbols: ["BTC"]) { symbol asset { name note } } }';

interface NotedTicks {
  ticks: { symbol: string; asset: { name: string; note: string } }[];
}
interface Received {
  event: { data?: NotedTicks | null; errors?: readonly GraphQLFormattedError[] };
  /** `_entities` requests the notes subgraph had received when the event arrived. */
  entityRequestsSoFar: number;
}

let platform: TestPlatform;
let notes: TickNotesSubgraph;
let gateway: RunningGateway;
let supergraphFile: string;
let user: SignedUpUser;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1' }, { market: {} });
  notes = await startTickNotesSubgraph(platform.env);
  supergraphFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herck-notes-')), 'supergraph.graphql');
  writeSupergraphWithNotes(supergraphFile);
  gateway = await platform.startGateway({ SUPERGRAPH_PATH: supergraphFile, NOTES_URL: notes.url });
  await eventually(async () => platform.market!.snapshot.time !== null, 30_000);
  user = await signUp(platform);
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
  await notes?.stop();
  if (supergraphFile) fs.rmSync(path.dirname(supergraphFile), { recursive: true, force: true });
}, 60_000);

/** The first `count` events of `query` on a fresh graphql-ws client of the notes gateway. */
function firstEvents(query: string, count: number): Promise<Received[]> {
  const client = createClient({
    url: gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${user.accessToken}` },
  });
  clients.push(client);
  return new Promise((resolve, reject) => {
    const received: Received[] = [];
    const unsubscribe = client.subscribe<NotedTicks>({ query }, {
      next: (event) => {
        received.push({ event, entityRequestsSoFar: notes.entityRequests.length });
        if (received.length === count) {
          unsubscribe();
          resolve(received);
        }
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => reject(new Error(`completed after ${received.length} events`)),
    });
  });
}

describe('a field another subgraph contributes to an event', () => {
  it('is resolved through the query plan for every event: one `_entities` request each', async () => {
    const received = await firstEvents(TICKS_WITH_NOTES, 2);
    const requestNumbers = received.map(({ event, entityRequestsSoFar }) => {
      expect(event.errors).toBeUndefined();
      const [tick, ...others] = event.data!.ticks;
      expect(others).toEqual([]);
      expect(tick!.symbol).toBe('BTC');
      expect(tick!.asset.name).toEqual(expect.any(String));
      const number = Number(/^note for BTC \(request (\d+)\)$/.exec(tick!.asset.note)?.[1]);
      // The event was resolved by a request the subgraph had already answered when it arrived.
      expect(number).toBeGreaterThan(0);
      expect(number).toBeLessThanOrEqual(entityRequestsSoFar);
      return number;
    });
    // Consecutive events, consecutive requests: one `_entities` fetch per event, none shared or skipped.
    expect(requestNumbers[1]).toBe(requestNumbers[0]! + 1);
    for (const number of requestNumbers) expect(notes.entityRequests[number - 1]).toEqual([{ __typename: 'Asset', symbol: 'BTC' }]);
    // Every fetch carried a valid internal token for the notes subgraph.
    expect(notes.refused).toBe(0);
  }, 60_000);

  it('is fetched as the subscription\'s role set, not as the account that opened it', async () => {
    const [{ event }] = await firstEvents(TICKS_WITH_NOTES, 1) as [Received];
    const number = Number(/\(request (\d+)\)$/.exec(event.data!.ticks[0]!.asset.note)?.[1]);
    // Shared by every USER who subscribes alike: the account that opened it may sign out or be deleted meanwhile.
    expect(notes.entityCallers[number - 1]).toEqual({ accountId: '00000000-0000-0000-0000-000000000000', roles: ['USER'] });
  }, 60_000);

  it('answers the same field over HTTP through the same configuration', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
      body: JSON.stringify({ query: '{ asset(symbol: "BTC") { symbol note } }' }),
    });
    const body = (await response.json()) as { data?: { asset: { symbol: string; note: string } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.asset.note).toMatch(/^note for BTC \(request \d+\)$/);
    // A query is the caller's own: fetched as them.
    const number = Number(/\(request (\d+)\)$/.exec(body.data!.asset.note)?.[1]);
    expect(notes.entityCallers[number - 1]).toEqual({ accountId: user.accountId, roles: ['USER'] });
  });

  it('refuses to start without a URL for a subgraph the supergraph joins beyond the catalogue', () => {
    expect(() => readGatewayConfig({ ...platform.env, SUPERGRAPH_PATH: supergraphFile })).toThrow(/NOTES_URL is required/);
    expect(() => readGatewayConfig({ ...platform.env, SUPERGRAPH_PATH: supergraphFile, NOTES_URL: 'not a url' })).toThrow(/NOTES_URL must be a valid URL/);
  });
});
