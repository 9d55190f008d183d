import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { InternalTokenSigner, INTERNAL_TOKEN_HEADER, signingKeyFrom } from '@herck/common';
import { DEFAULT_ASSETS, SimulatedProvider, writeRound } from '@herck/market';
import { CandlesDocument, MarketSnapshotDocument, send, sendRaw, signUp, startTestPlatform, TicksDocument } from '@herck/tools/test-support';
import { withBenchDatabase } from './bench-database';
import { percentile, printLatencies, timed } from './timing';

/**
 * Market speed, measured in one run: a round's commit (20 symbols, candles of
 * six intervals, outbox events), history queries over 2 million stored ticks
 * through the gateway with their query plans, and marketSnapshot through the
 * gateway against the subgraph directly.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const TICKS = Number(process.env.BENCH_TICKS ?? 2_000_000);

const line = (name: string, times: number[]) => printLatencies(name, times, 52);

async function main(): Promise<void> {
  const platform = await startTestPlatform({ MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '10000' }, { market: {} });
  try {
    const market = platform.market!;
    const db = () => market.runtime.orm.em.fork();

    // 1. One round committed: rounds a year back, one minute apart, so they never meet the live ones.
    const provider = new SimulatedProvider({ seed: 'bench' });
    const symbols = DEFAULT_ASSETS.map((asset) => asset.symbol);
    const start = Date.UTC(2025, 0, 1);
    const rounds = await timed(ROUNDS, async (i) => {
      const time = new Date(start + i * 60_000);
      const answer = await provider.fetchRound(symbols, time, AbortSignal.timeout(5_000));
      const ticks = answer.quotes.map((quote) => ({ ...quote, time, quoteCurrency: 'USD', source: 'simulated' }));
      await writeRound(db(), { time, ticks, global: answer.global && { time, ...answer.global }, globalSource: 'simulated', fx: [] }, 60);
    });
    line(`round of ${symbols.length} symbols committed (ticks, candles, events)`, rounds);

    // 2. History over 2 million ticks (generated in SQL: BTC's own series plus the other assets').
    const perSymbol = Math.floor(TICKS / symbols.length);
    const generated = performance.now();
    await db().execute(
      `INSERT INTO ticks (symbol, time, price, volume_24h, source)
       SELECT s.symbol, timestamptz '2020-01-01' + g.n * interval '1 minute', 100 + (g.n % 1000) / 10.0, 1000000, 'bench'
       FROM unnest(?::text[]) AS s(symbol), generate_series(1, ?) AS g(n)`,
      [`{${symbols.join(',')}}`, perSymbol],
    );
    await db().execute(
      `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, tick_count, closed)
       SELECT 'BTC', 'M1', timestamptz '2020-01-01' + g.n * interval '1 minute', 100, 101, 99, 100.5, 10, 1, true
       FROM generate_series(1, ?) AS g(n) ON CONFLICT DO NOTHING`,
      [perSymbol],
    );
    await db().execute('ANALYZE ticks');
    await db().execute('ANALYZE candles');
    const [{ n }] = await db().execute<{ n: string }[]>('SELECT count(*) AS n FROM ticks');
    console.log(`stored ticks: ${n} (generated in ${((performance.now() - generated) / 1000).toFixed(1)} s)`);

    const user = await signUp(platform, 'benchmarket');
    const from = '2020-02-01T00:00:00Z';
    const to = '2020-03-01T00:00:00Z';
    const ticks = await timed(QUERIES, () => send(platform.gatewayUrl, TicksDocument, { symbol: 'BTC', from, to, first: 100 }, user.accessToken));
    line('ticks(symbol, from, to, first: 100) via gateway', ticks);
    const candles = await timed(QUERIES, () => send(platform.gatewayUrl, CandlesDocument, { symbol: 'BTC', interval: 'M1', first: 500 }, user.accessToken));
    line('candles(symbol, M1, first: 500) via gateway', candles);
    for (const [name, sql, params] of [
      ['ticks', 'SELECT * FROM ticks WHERE symbol = ? AND time >= ? AND time <= ? ORDER BY time ASC LIMIT 101', ['BTC', from, to]],
      ['candles', "SELECT * FROM candles WHERE symbol = ? AND interval = 'M1' AND true ORDER BY open_time DESC LIMIT 501", ['BTC']],
    ] as const) {
      const plan = await db().execute<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, [...params]);
      console.log(`plan of the ${name} query:\n  ${plan.map((row) => row['QUERY PLAN']).join('\n  ')}`);
    }

    // 3. marketSnapshot through the gateway against the subgraph directly (internal token, as the gateway calls it).
    const keyFile = path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem');
    const signer = new InternalTokenSigner(signingKeyFrom(createPrivateKey(fs.readFileSync(keyFile, 'utf8'))));
    const query = print(MarketSnapshotDocument);
    const viaGateway = await timed(QUERIES, () => send(platform.gatewayUrl, MarketSnapshotDocument, {}));
    const direct = await timed(QUERIES, () => sendRaw(market.url, { query }, undefined, { [INTERNAL_TOKEN_HEADER]: signer.sign({ accountId: null, roles: [] }, 'market') }));
    line('marketSnapshot via gateway', viaGateway);
    line('marketSnapshot direct to the market subgraph', direct);
    console.log(`marketSnapshot gateway / direct (p50): ${(percentile(viaGateway, 50) / percentile(direct, 50)).toFixed(2)}`);
  } finally {
    await platform.stop();
  }
}

withBenchDatabase(main).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
