import { randomUUID } from 'node:crypto';
import { ACCOUNT_CHANGED, AccountChangedEvent, BusEvent, Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { analysisStore, readAnalysisConfig } from '../src';
import { accountEventHandlers } from '../src/modules/account/account-events.handler';

/**
 * Analysis keeps a copy of each account (its address and status) from account's
 * events; a deactivated account's strategies are not evaluated until it is
 * reactivated, and an older copy delivered again changes nothing.
 */
let environment: TestEnvironment;
let orm: Orm;

beforeAll(async () => {
  environment = testEnvironment();
  orm = await openSubgraphStore(readAnalysisConfig(environment.env), new Logger('analysis', 'error'), analysisStore);
});

afterAll(async () => {
  await orm?.close();
  await environment?.cleanUp();
});

const changed = (account: AccountChangedEvent): BusEvent => ({
  position: '1',
  id: randomUUID(),
  type: ACCOUNT_CHANGED,
  source: 'account',
  payload: account as unknown as Record<string, unknown>,
  createdAt: new Date(),
});

it('stops and restarts the evaluation of an account deactivated and reactivated, and ignores an older copy delivered again', async () => {
  const heard: string[] = [];
  const handlers = accountEventHandlers({ strategiesRemoved: () => void heard.push('removed'), strategiesRestored: () => void heard.push('restored') });
  const id = randomUUID();
  const version = (n: number, status: AccountChangedEvent['status']) => changed({ id, username: 'ada', email: 'ada@example.com', status, version: n });
  const apply = (event: BusEvent) => orm.em.fork().transactional((em) => handlers[ACCOUNT_CHANGED]!(event, em));

  await apply(version(1, 'ACTIVE'));
  await apply(version(2, 'DEACTIVATED'));
  await apply(version(3, 'ACTIVE'));
  expect(heard).toEqual(['removed', 'restored']);
  // The deactivation delivered once more (a relay's retry) after the reactivation: nothing stops.
  await apply(version(2, 'DEACTIVATED'));
  expect(heard).toEqual(['removed', 'restored']);
  const [stored] = await orm.em.fork().execute<{ status: string; version: number }[]>('SELECT status, version FROM accounts WHERE id = ?', [id]);
  expect(stored).toEqual({ status: 'ACTIVE', version: 3 });
});
