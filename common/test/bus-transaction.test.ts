import pg from 'pg';
import { inBusTransaction } from '../src/bus/bus-transaction';

const serverUrl = process.env.DATABASE_URL!;
let bus: pg.Pool;

beforeAll(() => {
  bus = new pg.Pool({ connectionString: serverUrl, max: 1 });
});
afterAll(async () => bus?.end());

describe('inBusTransaction', () => {
  it('fails the transaction whose connection is lost, without an uncaught error, and lends a working connection next', async () => {
    // The database ending the connection mid-transaction (as a restart or pg_terminate_backend does).
    const failure = await inBusTransaction(bus, 'test:lost', (client) => client.query('SELECT pg_terminate_backend(pg_backend_pid())')).catch((error: unknown) => error);
    expect(String(failure)).toMatch(/terminat/i);
    // The pool's one connection was the broken one: it was ended, not lent out again.
    expect(await inBusTransaction(bus, 'test:after', async (client) => (await client.query('SELECT 1 AS one')).rows[0].one)).toBe(1);
  });
});
