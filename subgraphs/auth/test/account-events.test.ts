import { randomUUID } from 'node:crypto';
import { ACCOUNT_CHANGED, ACCOUNT_DELETED, AccountChangedEvent, BusEvent, Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { authStore, readAuthConfig } from '../src';
import { accountEventHandlers } from '../src/modules/credential/account-events.handler';

/** Auth's copy of each account, kept from account's events, whatever order the bus brings them in. */
let environment: TestEnvironment;
let orm: Orm;

beforeAll(async () => {
  environment = testEnvironment();
  orm = await openSubgraphStore(readAuthConfig(environment.env), new Logger('auth', 'error'), authStore);
});
afterAll(async () => {
  await orm?.close();
  await environment?.cleanUp();
});

const deliver = (type: string, payload: object) => {
  const event: BusEvent = { position: '1', id: randomUUID(), type, source: 'account', payload: payload as Record<string, unknown>, createdAt: new Date() };
  return orm.em.fork().transactional((em) => accountEventHandlers[type]!(event, em));
};
const credentialOf = async (id: string) => (await orm.em.fork().execute('SELECT username, status FROM credentials WHERE account_id = ?', [id]))[0];

it('never makes again the credential of a registration deleted before it was confirmed, when a change to it comes after the deletion', async () => {
  const pending: AccountChangedEvent = { id: randomUUID(), username: `ghost${Date.now()}`, email: `ghost${Date.now()}@example.com`, status: 'PENDING', version: 1 };
  await deliver(ACCOUNT_CHANGED, pending);
  expect(await credentialOf(pending.id)).toEqual({ username: pending.username, status: 'PENDING' });
  // An admin's edit committed before housekeeping's deletion, but was numbered after it on the bus.
  await deliver(ACCOUNT_DELETED, { id: pending.id });
  await deliver(ACCOUNT_CHANGED, { ...pending, version: 3 });
  expect(await credentialOf(pending.id)).toBeUndefined();
});
