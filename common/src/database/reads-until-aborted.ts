import { EntityManager, Knex } from '@mikro-orm/postgresql';
import { abandoned } from '../concurrency/abortable';

/**
 * Cancels under way at once in this process, at most: each opens a PostgreSQL connection of its own,
 * outside the pool, so many clients leaving together opened as many (toward max_connections), each
 * pool connection waiting on its cancel's connect. The others wait for a turn (see `cancelInTurn`).
 */
export const MAX_CANCELS_AT_ONCE = 3;

let cancelsRunning = 0;
/** Cancels waiting for a turn, first asked first: each a transaction still under way. */
const cancelsWaiting = new Set<() => void>();

/**
 * Runs `cancel` as soon as one of the MAX_CANCELS_AT_ONCE turns is free. What it returns is called
 * as the transaction ends: it waits for a cancel under way, and drops one still waiting, which then
 * never runs: its statement ended by itself, and the connection may go back to the pool, where a
 * cancel would hit another request's statement.
 */
function cancelInTurn(cancel: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const start = () => {
    cancelsWaiting.delete(start);
    cancelsRunning++;
    running = cancel()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        cancelsRunning--;
        const [next] = cancelsWaiting;
        next?.();
      });
  };
  if (cancelsRunning < MAX_CANCELS_AT_ONCE) start();
  else cancelsWaiting.add(start);
  return async () => {
    cancelsWaiting.delete(start);
    await running;
  };
}

/**
 * Runs `work`'s reads on one connection of their own (a transaction) and, when `signal` aborts (its
 * client went away), cancels the statement under way there (pg_cancel_backend, asked on a connection
 * of its own, outside the pool, a few at once): `work` then rejects with the signal's reason, and its pool connection
 * is free at once, not when the statement would have ended (one waiting for a lock held it until then).
 * For reads only: whatever was cancelled, the transaction rolls back, and nothing is half-written.
 */
export async function readsUntilAborted<T>(em: EntityManager, signal: AbortSignal | undefined, work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (!signal) return work(em);
  signal.throwIfAborted();
  return em.transactional(async (transaction) => {
    // It may have waited for a connection of the pool.
    signal.throwIfAborted();
    const knex = transaction.getConnection().getKnex();
    const connection: unknown = await transaction.getTransactionContext<Knex.Transaction>()!.client.acquireConnection();
    let cancelled: (() => Promise<void>) | undefined;
    const cancel = () => {
      cancelled = cancelInTurn(() => (knex.client as { cancelQuery(connection: unknown): Promise<unknown> }).cancelQuery(connection));
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      return await work(transaction);
    } catch (error) {
      // The cancelled statement's error ("canceling statement due to user request") is the client's leaving.
      throw signal.aborted ? abandoned(signal) : error;
    } finally {
      signal.removeEventListener('abort', cancel);
      // The cancel reaches this connection before its transaction ends, or never (still waiting for its
      // turn): never a statement run on it afterwards (another request's, once it is back in the pool).
      // One arriving between statements does nothing.
      await cancelled?.();
    }
  });
}
