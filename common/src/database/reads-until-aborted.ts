import { EntityManager, Knex } from '@mikro-orm/postgresql';
import { abandoned } from '../concurrency/abortable';

/**
 * Runs `work`'s reads on one connection of their own (a transaction) and, when `signal` aborts (its
 * client went away), cancels the statement under way there (pg_cancel_backend, asked on a connection
 * of its own, outside the pool): `work` then rejects with the signal's reason, and its pool connection
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
    let cancelling: Promise<unknown> | undefined;
    const cancel = () => {
      cancelling = (knex.client as { cancelQuery(connection: unknown): Promise<unknown> }).cancelQuery(connection).catch(() => undefined);
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      return await work(transaction);
    } catch (error) {
      // The cancelled statement's error ("canceling statement due to user request") is the client's leaving.
      throw signal.aborted ? abandoned(signal) : error;
    } finally {
      signal.removeEventListener('abort', cancel);
      // The cancel reaches this connection before its transaction ends: never a statement run on it
      // afterwards (another request's, once it is back in the pool). One arriving between statements does nothing.
      await cancelling;
    }
  });
}
