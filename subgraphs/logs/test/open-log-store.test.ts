import { Logger, Orm } from '@herck/common';
import { openLogStore } from '../src';

/**
 * The MongoDB store is loaded only when LOGS_MONGODB_URL names one (its drivers
 * are large). No MongoDB server runs here: a closed port shows that the store
 * is loaded and tries to connect, and that the failure reaches the caller.
 */
describe('openLogStore', () => {
  it('loads the MongoDB store on demand and reports a server it cannot reach', async () => {
    const unreachable = 'mongodb://127.0.0.1:1/herck_logs?serverSelectionTimeoutMS=200&directConnection=true';
    const noPostgres = null as unknown as Orm; // not touched when the entries live in MongoDB
    await expect(openLogStore(unreachable, noPostgres, new Logger('logs', 'error'))).rejects.toThrow(/ECONNREFUSED|connect/i);
  });
});
