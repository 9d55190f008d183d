import { Logger } from '../src';
import { RepeatedFailure } from '../src/logging/repeated-failure';

describe('RepeatedFailure', () => {
  it('says a failure in full, then once a minute while it goes on, and once when the work succeeds again', () => {
    let clock = 0;
    const lines: Record<string, unknown>[] = [];
    const failure = new RepeatedFailure(new Logger('test', 'info', {}, (line) => void lines.push(JSON.parse(line))), 'outbox relay', { source: 'orders' }, () => clock);
    const databaseAway = new Error('connect ECONNREFUSED');
    // An hour of one-second retries.
    for (let second = 0; second < 3_600; second += 1, clock += 1_000) failure.failed(databaseAway);
    failure.succeeded();
    expect(lines).toHaveLength(61);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'outbox relay failed; will retry', source: 'orders', error: { message: 'connect ECONNREFUSED' } });
    expect(lines[0]).not.toHaveProperty('failures');
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'outbox relay failed; will retry', failures: 61 });
    expect(lines[60]).toMatchObject({ level: 'info', msg: 'outbox relay working again', source: 'orders', failures: 3_600 });
    // Work that keeps succeeding says nothing; the next failure is said in full again.
    failure.succeeded();
    failure.failed(databaseAway);
    expect(lines).toHaveLength(62);
    expect(lines[61]).not.toHaveProperty('failures');
    // Even after a single failure, its end is said.
    failure.succeeded();
    expect(lines[62]).toMatchObject({ level: 'info', msg: 'outbox relay working again', failures: 1 });
  });
});
