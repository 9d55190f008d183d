import pg from 'pg';
import { Orm } from '../database/open-orm';
import { Logger } from '../logging/logger';
import { RepeatedFailure } from '../logging/repeated-failure';
import { BUS_CHANNEL } from './bus-database';
import { inBusTransaction } from './bus-transaction';
import { DrainLoop } from './drain-loop';

interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

const BATCH_SIZE = 100;
/** Taken by each relay of a service's outbox for one batch (the outbox's database is the service's own); named in the SQL, so logs tell what waits on it. */
const RELAY_LOCK = 'herck:outbox-relay';

/**
 * Moves events from the service's outbox to the bus. Delivery is at-least-once:
 * a crash between publishing and deleting publishes again, and the bus ignores
 * the duplicate id.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private readonly loop: DrainLoop;

  constructor(
    private readonly orm: Orm,
    private readonly bus: pg.Pool,
    private readonly source: string,
    logger: Logger,
    private readonly pollMs = 1000,
  ) {
    this.loop = new DrainLoop(async () => (await this.relayBatch()) === BATCH_SIZE, new RepeatedFailure(logger, 'outbox relay'));
  }

  start(): void {
    this.timer = setInterval(() => void this.kick(), this.pollMs);
    this.timer.unref();
    void this.kick();
  }

  /** Relays now (callers kick after committing an event, so delivery does not wait for the poll). */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  /** Relays what is left, then stops. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.loop.kick();
    await this.loop.stop();
  }

  private async relayBatch(): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      // Every replica runs a relay over the service's one outbox. They take turns (a lock of the
      // outbox's database, until commit), not batches side by side: a relay that passed a batch
      // another held (SKIP LOCKED) published later events first, and a consumer that keeps the
      // newest copy in bus order (an account's roles, from auth) could keep an older one.
      await em.execute(`SELECT pg_advisory_xact_lock(hashtext('${RELAY_LOCK}'))`);
      const rows: OutboxRow[] = await em.execute(`SELECT id, type, payload, created_at FROM outbox ORDER BY seq LIMIT ${BATCH_SIZE} FOR UPDATE`);
      if (rows.length === 0) return 0;
      await this.publish(rows);
      await em.execute('DELETE FROM outbox WHERE id IN (?)', [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    // Under the lock, positions are handed out and committed in the same order, so a
    // consumer that has read up to N never later finds an event below N appear.
    await inBusTransaction(this.bus, 'herck:bus-append', async (client) => {
      for (const row of rows) {
        await client.query(
          `INSERT INTO bus_events (id, type, source, payload, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO NOTHING`,
          [row.id, row.type, this.source, row.payload, row.created_at],
        );
      }
      await client.query(`NOTIFY ${BUS_CHANNEL}`);
    });
  }
}
