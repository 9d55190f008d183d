import { Alert } from '../src/modules/alert/alert.type';
import { LiveAlerts } from '../src/modules/alert/live-alerts';

/** Only what LiveAlerts reads of an alert: its id and owner. */
const alert = (id: string, ownerId: string) => ({ id, ownerId }) as unknown as Alert;
const SECOND = 1000;

describe('live alerts', () => {
  it('sends a resumed subscription what was published since it was lost, in order and once, then what comes', async () => {
    let now = 0;
    const live = new LiveAlerts(() => now);
    live.publish(alert('a1', 'ann'));
    now = 10 * SECOND;
    live.publish(alert('b1', 'bob'));
    live.publish(alert('a2', 'ann'));
    now = 11 * SECOND;
    live.publish(alert('a3', 'ann'));

    const resumed = live.of('ann', new Date(5 * SECOND));
    const fresh = live.of('ann');
    live.publish(alert('a4', 'ann'));
    const ids = async (alerts: AsyncIterableIterator<Alert>, count: number) => {
      const read: string[] = [];
      for (let i = 0; i < count; i += 1) read.push((await alerts.next()).value!.id);
      await alerts.return!();
      return read;
    };
    expect(await ids(resumed, 3)).toEqual(['a2', 'a3', 'a4']);
    // A new subscription gets only what comes after it.
    expect(await ids(fresh, 1)).toEqual(['a4']);
  });

  it('keeps what it publishes for two minutes at most', async () => {
    let now = 0;
    const live = new LiveAlerts(() => now);
    live.publish(alert('old', 'ann'));
    now = 121 * SECOND;
    live.publish(alert('new', 'ann'));
    const resumed = live.of('ann', new Date(-1));
    expect((await resumed.next()).value!.id).toBe('new');
    await resumed.return!();
  });
});
