import { ConnectionException } from '@mikro-orm/core';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { Logger, maskUnexpectedErrors } from '../src';

const silent = new Logger('test', 'error', {}, () => undefined);
// What Apollo Gateway relays from a subgraph running in development mode.
const relayed: GraphQLFormattedError = {
  message: 'You can only access your own account',
  path: ['account'],
  extensions: { code: 'FORBIDDEN', serviceName: 'account', stacktrace: ['GraphQLError: …', '    at account.resolver.ts:15:11'], exception: { stacktrace: ['…'] } },
};
const original = new GraphQLError(relayed.message, { extensions: relayed.extensions });

describe('maskUnexpectedErrors', () => {
  it('in production strips stack traces and subgraph names from the errors it lets through, whatever sent them', () => {
    const formatted = maskUnexpectedErrors(silent, { production: true })(relayed, original);
    expect(formatted).toEqual({ message: relayed.message, path: ['account'], extensions: { code: 'FORBIDDEN' } });
  });

  it('in development leaves them as they are', () => {
    expect(maskUnexpectedErrors(silent)(relayed, original)).toBe(relayed);
    expect(maskUnexpectedErrors(silent, { production: false })(relayed, original)).toBe(relayed);
  });

  it("answers Apollo Server's refusal of a request before it runs (a 4xx without a code) as BAD_REQUEST, and logs nothing", () => {
    const lines: string[] = [];
    const logger = new Logger('test', 'error', {}, (line) => void lines.push(line));
    const refusal = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } });
    expect(maskUnexpectedErrors(logger)({ message: refusal.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, refusal)).toEqual({ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } });
    expect(lines).toEqual([]);
    // A failure of our own without a code is still masked and logged.
    const bug = new Error('boom');
    expect(maskUnexpectedErrors(logger)({ message: 'boom', path: ['x'] }, bug)).toEqual({ message: 'Internal server error', path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(lines).toHaveLength(1);
  });

  it('answers a database that cannot be reached as SERVICE_UNAVAILABLE (try again), without its details, and logs it', () => {
    const lines: { level: string; msg: string }[] = [];
    const logger = new Logger('test', 'info', {}, (line) => void lines.push(JSON.parse(line)));
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), { code: 'ECONNREFUSED' });
    const shuttingDown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const lost = new Error('Client has encountered a connection error and is not queryable');
    const wrapped = new Error('transaction failed', { cause: new ConnectionException(refused) });
    for (const error of [refused, shuttingDown, lost, wrapped]) {
      expect(maskUnexpectedErrors(logger, { production: true })({ message: error.message, path: ['me'] }, error)).toEqual({
        message: 'Temporarily unavailable; try again shortly',
        path: ['me'],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    }
    expect(lines.map((line) => [line.level, line.msg])).toEqual(Array(4).fill(['warn', 'unavailable: the database or another dependency could not be reached']));
    // A statement the database refused is a bug of ours, not an outage.
    const constraint = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(maskUnexpectedErrors(logger)({ message: constraint.message, path: ['x'] }, constraint).extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('masks an internal error relayed from a subgraph, whatever message it carries', () => {
    const relayedInternal = new GraphQLError('duplicate key value violates unique constraint at 10.1.2.3:5432', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const formatted = maskUnexpectedErrors(silent, { production: true })({ message: relayedInternal.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, relayedInternal);
    expect(formatted).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
