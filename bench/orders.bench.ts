import { createPrivateKey, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { InternalTokenSigner, INTERNAL_TOKEN_HEADER, signingKeyFrom } from '@herck/common';
import { OrderStatisticsDocument, PlaceBuyOrderDocument, send, sendRaw, signUp, startTestPlatform } from '@herck/tools/test-support';
import { withBenchDatabase } from './bench-database';
import { percentile, printLatencies, timed } from './timing';

/**
 * Orders speed, measured in one run: placeBuyOrder through the gateway and
 * directly against the subgraph (each answer comes after the order and its
 * event committed), orders per second from 20 concurrent clients, and
 * orderStatistics over one million stored orders.
 */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 300);
const CONCURRENCY = 20;
const STORED = Number(process.env.BENCH_STORED_ORDERS ?? 1_000_000);

const line = (name: string, times: number[]) => printLatencies(name, times);

function assertPlaced(answer: { errors?: readonly unknown[] }): void {
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
}

async function main(): Promise<void> {
  const platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1', HERCK_ADMIN_EMAIL: 'bench@example.com', HERCK_ADMIN_PASSWORD: 'bench-Admin-passphrase-42' }, { market: {}, orders: {} });
  try {
    const orders = platform.orders!;
    const user = await signUp(platform);
    while (!orders.prices.price('BTC') || !orders.prices.rate('EUR', new Date())) await new Promise((resolve) => setTimeout(resolve, 200));
    const input = () => ({ input: { asset: 'BTC', currency: 'EUR', amount: '100.00', idempotencyKey: randomUUID() } });

    // 1. One order at a time: through the gateway, and straight to the subgraph with the gateway's internal token.
    const viaGateway = await timed(ORDERS, async () => assertPlaced(await send(platform.gatewayUrl, PlaceBuyOrderDocument, input(), user.accessToken)));
    const keyFile = path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem');
    const signer = new InternalTokenSigner(signingKeyFrom(createPrivateKey(fs.readFileSync(keyFile, 'utf8'))));
    const query = print(PlaceBuyOrderDocument);
    const identity = { accountId: user.accountId, roles: ['USER' as const] };
    const direct = await timed(ORDERS, async () => assertPlaced(await sendRaw(orders.url, { query, variables: input() }, undefined, { [INTERNAL_TOKEN_HEADER]: signer.sign(identity, 'orders') })));
    line('placeBuyOrder via gateway', viaGateway);
    line('placeBuyOrder direct to the orders subgraph', direct);
    console.log(`placeBuyOrder gateway / direct: p50 ${(percentile(viaGateway, 50) / percentile(direct, 50)).toFixed(2)}, p99 ${(percentile(viaGateway, 99) / percentile(direct, 99)).toFixed(2)}`);

    // 2. Throughput with 20 clients placing orders at once through the gateway.
    const perClient = Math.ceil(ORDERS / 2);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < perClient; i += 1) assertPlaced(await send(platform.gatewayUrl, PlaceBuyOrderDocument, input(), user.accessToken));
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`orders per second, ${CONCURRENCY} concurrent clients via gateway: ${((CONCURRENCY * perClient) / seconds).toFixed(0)}`);

    // 3. orderStatistics over a million orders (generated in SQL across a year and three currencies).
    const db = orders.runtime.orm.em.fork();
    await db.execute(
      `INSERT INTO orders (id, owner_id, idempotency_key, asset, currency, amount, price, fx_rate, quantity, status, priced_at, created_at)
       SELECT gen_random_uuid(), ?, 'bench-' || n, 'BTC', (ARRAY['EUR','USD','GBP'])[1 + n % 3], round((1 + (n::bigint * 7919) % 100000) / 100.0, 2), 1, 1, 1, 'FILLED',
              timestamptz '2025-01-01' + (n % 365) * interval '1 day' + (n % 86400) * interval '1 second',
              timestamptz '2025-01-01' + (n % 365) * interval '1 day' + (n % 86400) * interval '1 second'
         FROM generate_series(1, ?) AS n`,
      [user.accountId, STORED],
    );
    await db.execute('ANALYZE orders');
    const admin = await send(platform.gatewayUrl, (await import('@herck/tools/test-support')).LoginDocument, { usernameOrEmail: 'bench@example.com', password: 'bench-Admin-passphrase-42' });
    const token = admin.data!.login.accessToken;
    for (const period of ['DAY', 'WEEK', 'MONTH'] as const) {
      const times = await timed(10, async () => assertPlaced(await send(platform.gatewayUrl, OrderStatisticsDocument, { period, from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, token)));
      line(`orderStatistics ${period} over ${STORED.toLocaleString('en')} orders`, times);
    }
  } finally {
    await platform.stop();
  }
}

withBenchDatabase(main).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
