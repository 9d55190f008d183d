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

  it('renames a field named like one of the entry’s own keys, which it would replace (and be lost)', () => {
    const line = logged({ time: 'the round’s', level: -1, msg: 'mine', service: 'other', requestId: 'r2', answer: 42 });
    expect(line).toMatchObject({ level: 'error', service: 'test', msg: 'failed', requestId: 'r1', answer: 42 });
    expect(line).toMatchObject({ time_: 'the round’s', level_: -1, msg_: 'mine', service_: 'other', requestId_: 'r2' });
    expect(typeof line.time).toBe('string');
    expect(line.time).not.toBe('the round’s');
  });

  it('keeps an error’s name, message, stack and cause, also for errors made in another realm', () => {
    // Node's fetch raises its errors in a realm of its own: `instanceof Error` is false for them under Jest.
    const foreign = vm.runInNewContext('new TypeError("fetch failed")') as Error;
    foreign.cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const { error } = logged({ error: foreign }) as { error: { name: string; message: string; stack: string; cause: { message: string } } };
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { message: 'connect ECONNREFUSED 127.0.0.1:1' } });
    expect(error.stack).toMatch(/TypeError: fetch failed/);
  });

  it('keeps the values a failed SQL statement carried (a password hash, a webhook secret) out of a database error', () => {
    // What MikroORM raises when PostgreSQL refuses a statement: the statement with its values written
    // in, then the reason; it carries PostgreSQL's fields (severity, routine, …) as its own.
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$kXTw7szqgRE6GLaa5/hzdQ$Eo6OnDhcAVox1jkCiAfAYo3KXeEtxqotb9QFB3cbWIU';
    const message = `update "credentials" set "password_hash" = '${hash}', "note" = 'it''s' where "account_id" = 'a1' - probe failure`;
    const failure = Object.assign(new Error(message), { name: 'DriverException', code: 'P0001', severity: 'ERROR', routine: 'exec_stmt_raise' });
    failure.stack = `DriverException: ${message}\n    at convertException (ExceptionConverter.js:8:16)`;
    const { error } = logged({ error: failure }) as { error: { message: string; stack: string; code: string } };
    expect(JSON.stringify(error)).not.toContain('argon2id');
    expect(JSON.stringify(error)).not.toContain("it''s");
    expect(error.message).toBe('update "credentials" set "password_hash" = ?, "note" = ? where "account_id" = ? - probe failure');
    expect(error.stack).toMatch(/^DriverException: update "credentials" set "password_hash" = \?, .* - probe failure\n    at convertException/);
    expect(error.code).toBe('P0001');
  });

  it('keeps the row and key values PostgreSQL names in its detail out of a database error', () => {
    // A NOT NULL or CHECK violation details the whole refused row, a duplicate or missing key its value
    // (pg's fields, copied by MikroORM): the row of a credentials update holds the password hash.
    const database = (detail: string, where?: string) =>
      Object.assign(new Error('null value in column "b" of relation "t" violates not-null constraint'), { code: '23502', detail, where, routine: 'ExecConstraints' });
    const row = logged({ error: database("Failing row contains (a1, $argon2id$v=19$secret, it's, null).", "SQL statement \"UPDATE t SET s = 'hunter2'\"") }).error as Record<string, string>;
    expect(JSON.stringify(row)).not.toMatch(/argon2id|hunter2|it's/);
    expect(row.detail).toBe('Failing row contains (?).');
    expect(row.where).toBe('SQL statement "UPDATE t SET s = ?"');
    const key = logged({ error: database('Key (lower(email))=(someone@example.com) already exists.') }).error as Record<string, string>;
    expect(key.detail).toBe('Key (lower(email))=(?) already exists.');
  });
});
