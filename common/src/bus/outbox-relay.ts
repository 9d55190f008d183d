import pg from 'pg';
import { Orm } from '../database/open-orm';
import { Logger } from '../logging/logger';
import { BUS_CHANNEL } from './bus-database';

interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

const BATCH_SIZE = 100;

/**
 * Moves events from the service's outbox to the bus. Delivery is at-least-once:
 * a crash between publishing and deleting publishes again, and the bus ignores
 * the duplicate id.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;

  constructor(
    private readonly orm: Orm,
    private readonly bus: pg.Pool,
    private readonly source: string,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.kick(), this.pollMs);
    this.timer.unref();
    void this.kick();
  }

  /** Relays now (callers kick after committing an event, so delivery does not wait for the poll). */
  kick(): Promise<void> {
    if (this.pending || this.stopped) return this.running;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      try {
        while ((await this.relayBatch()) === BATCH_SIZE);
      } catch (error) {
        this.logger.error('outbox relay failed; will retry', { error });
      }
    });
    return this.running;
  }

  /** Relays what is left, then stops. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.kick();
    this.stopped = true;
    await this.running;
  }

  private async relayBatch(): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      const rows: OutboxRow[] = await em.execute(
        `SELECT id, type, payload, created_at FROM outbox ORDER BY seq LIMIT ${BATCH_SIZE} FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      await this.publish(rows);
      await em.execute('DELETE FROM outbox WHERE id IN (?)', [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    const client = await this.bus.connect();
    try {
      await client.query('BEGIN');
      // Positions are handed out and committed in the same order, so a consumer
      // that has read up to N never later finds an event below N appear.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('herck:bus-append'))");
      for (const row of rows) {
        await client.query(
          `INSERT INTO bus_events (id, type, source, payload, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO NOTHING`,
          [row.id, row.type, this.source, row.payload, row.created_at],
        );
      }
      await client.query(`NOTIFY ${BUS_CHANNEL}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }
}
