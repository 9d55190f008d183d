import { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';

/**
 * knex hands a transaction out although its BEGIN failed (on a pooled connection the database had
 * just dropped: a restart, a failover, pg_terminate_backend) and keeps the BEGIN's error to itself.
 * The first statement in it then fails with "Transaction query already complete", which says nothing
 * of the cause, and which a transaction used after its end (a bug) says too. Raised at the start,
 * the BEGIN's own error (a lost connection) is what the caller sees: SERVICE_UNAVAILABLE for a
 * client, a retry for a bus consumer; the bug stays an internal error.
 */
export class FailedBeginSubscriber implements EventSubscriber {
  async afterTransactionStart({ transaction }: TransactionEventArgs): Promise<void> {
    const started = transaction as Knex.Transaction;
    if (started.isCompleted()) await started.executionPromise;
  }
}
