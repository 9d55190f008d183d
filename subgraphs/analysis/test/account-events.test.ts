import { randomUUID } from 'node:crypto';
import { ACCOUNT_CHANGED, AccountChangedEvent, BusEvent } from '@herck/common';
import { accountEventHandlers } from '../src/modules/account/account-events.handler';
import { useAnalysisStore } from './support/analysis-store';

/**
 * Analysis keeps a copy of each account (its address and status) from account's
 * events; a deactivated account's strategies are not evaluated until it is
 * reactivated, and an older copy delivered again changes nothing.
 */
const store = useAnalysisStore();

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
  const apply = (event: BusEvent) => store.orm.em.fork().transactional((em) => handlers[ACCOUNT_CHANGED]!(event, em));

  await apply(version(1, 'ACTIVE'));
  await apply(version(2, 'DEACTIVATED'));
  await apply(version(3, 'ACTIVE'));
  expect(heard).toEqual(['removed', 'restored']);
  // The deactivation delivered once more (a relay's retry) after the reactivation: nothing stops.
  await apply(version(2, 'DEACTIVATED'));
  expect(heard).toEqual(['removed', 'restored']);
  const [stored] = await store.orm.em.fork().execute<{ status: string; version: number }[]>('SELECT status, version FROM accounts WHERE id = ?', [id]);
  expect(stored).toEqual({ status: 'ACTIVE', version: 3 });
});
