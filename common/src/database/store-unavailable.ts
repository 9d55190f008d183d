import { ConnectionException } from '@mikro-orm/core';

/** Codes of a database that cannot be reached or is going away: Node's network errors, PostgreSQL's shutdown and too-many-connections states. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
/**
 * pg's and knex's words for a connection lost or not to be had (they carry no code): among them a
 * new connection unanswered within its connect timeout (pg's "timeout expired") and a pool with no
 * connection to lend in time (pg-pool's "timeout exceeded when trying to connect"). A BEGIN that met
 * one is raised as such (FailedBeginSubscriber).
 */
const UNREACHABLE_MESSAGES = /Connection terminated|not queryable|Connection ended unexpectedly|Timeout acquiring a connection|^timeout expired$|timeout exceeded when trying to connect/;

/**
 * Whether an error says the service's database cannot be used right now (stopped, restarting,
 * out of connections), rather than that something is wrong with the request or the code:
 * such a failure is worth trying again shortly. Network codes say so of any connection a
 * resolver opens; in a resolver that is almost always the database's.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (current instanceof ConnectionException) return true;
    const code = (current as { code?: unknown }).code;
    // SQLSTATE class 08: connection exceptions.
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (current instanceof Error && UNREACHABLE_MESSAGES.test(current.message)) return true;
  }
  return false;
}
