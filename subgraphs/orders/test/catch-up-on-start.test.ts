import pg from 'pg';
import { Logger, testEnvironment, TestEnvironment } from '@herck/common';
import { readOrdersConfig, startOrdersService } from '../src';

/** Orders prices from market's events: those published while it was away are applied before it serves. */
let environment: TestEnvironment;
beforeAll(() => {
  environment = testEnvironment();
});
afterAll(async () => {
  await environment?.cleanUp();
});

it('is priced, once started, from the rounds published while it was stopped', async () => {
  const config = readOrdersConfig(environment.env);
  const logger = new Logger('orders', 'error');
  // A first start makes the databases; then orders is away while market publishes a round.
  await (await startOrdersService(config, logger)).stop();
  const bus = new pg.Client({ connectionString: config.busUrl });
  await bus.connect();
  try {
    await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.tick', 'market', $1)", [
      JSON.stringify({ time: new Date().toISOString(), prices: [{ symbol: 'BTC', price: '110000', source: 'test' }] }),
    ]);
  } finally {
    await bus.end();
  }
  const restarted = await startOrdersService(config, logger);
  try {
    // Serving means caught up: an order placed at once is not priced from a superseded round (or none).
    expect(restarted.prices.price('BTC')?.value.toString()).toBe('110000');
  } finally {
    await restarted.stop();
  }
});
