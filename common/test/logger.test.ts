import vm from 'node:vm';
import { Logger } from '../src';

function logged(fields: Record<string, unknown>): Record<string, unknown> {
  const lines: string[] = [];
  new Logger('test', 'info', { requestId: 'r1' }, (line) => lines.push(line)).error('failed', fields);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('Logger', () => {
  it('writes one JSON object per line with the service and its fields', () => {
    expect(logged({ answer: 42 })).toMatchObject({ level: 'error', service: 'test', msg: 'failed', requestId: 'r1', answer: 42 });
  });

  it('keeps an error’s name, message, stack and cause, also for errors made in another realm', () => {
    // Node's fetch raises its errors in a realm of its own: `instanceof Error` is false for them under Jest.
    const foreign = vm.runInNewContext('new TypeError("fetch failed")') as Error;
    foreign.cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const { error } = logged({ error: foreign }) as { error: { name: string; message: string; stack: string; cause: { message: string } } };
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { message: 'connect ECONNREFUSED 127.0.0.1:1' } });
    expect(error.stack).toMatch(/TypeError: fetch failed/);
  });
});
