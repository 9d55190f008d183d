import { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { AdvisoryLease } from '../database/advisory-lease';
import { Orm } from '../database/open-orm';
import { Logger } from '../logging/logger';
import { BUS_CHANNEL, BusEvent, readBusEvents } from './bus-database';
import { DrainLoop } from './drain-loop';

export type BusEventHandler = (event: BusEvent, em: EntityManager) => Promise<void>;

/**
 * For consumers that keep state in memory beside their store: a lease so one
 * replica consumes, a gate before each batch, and word when a batch failed and
 * rolled back (memory may then be ahead of the store, so reload it from there).
 */
export interface BusBatchHooks {
  /**
   * With a lease, only the replica holding it consumes (its state in memory
   * must see every event, in order); told when this replica takes it over.
   */
  lease?: AdvisoryLease;
  becameLeader?(): void;
  /** Runs before each batch; false (not ready yet) or a failure skips the batch (it is retried). */
  beforeBatch?(): Promise<boolean>;
  rolledBack?(): Promise<void>;
}

const BATCH_SIZE = 100;

/**
 * Applies bus events to the service's own store. The effect of a batch and the
 * new read position commit together, so each event takes effect exactly once.
 */
export class BusConsumer {
  private timer?: NodeJS.Timeout;
  private listener?: pg.Client;
  private readonly loop: DrainLoop;

  constructor(
    private readonly name: string,
    private readonly orm: Orm,
    private readonly bus: pg.Pool,
    private readonly busUrl: string,
    private readonly handlers: Record<string, BusEventHandler>,
    private readonly logger: Logger,
    private readonly hooks: BusBatchHooks = {},
    private readonly pollMs = 1000,
  ) {
    this.loop = new DrainLoop(
      async () => (await this.consumeBatchWithHooks()) === BATCH_SIZE,
      (error) => this.logger.error('bus consumer failed; will retry', { consumer: this.name, error }),
    );
  }

  async start(): Promise<void> {
    this.listener = new pg.Client({ connectionString: this.busUrl });
    this.listener.on('error', (error) => this.logger.warn('bus listener connection lost; polling only', { error }));
    await this.listener.connect();
    this.listener.on('notification', () => void this.kick());
    await this.listener.query(`LISTEN ${BUS_CHANNEL}`);
    this.timer = setInterval(() => void this.kick(), this.pollMs);
    this.timer.unref();
    await this.kick();
  }

  /** Resolves once every event published before the call has been applied. */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.loop.stop();
    await this.listener?.end();
    await this.hooks.lease?.release();
  }

  private async consumeBatchWithHooks(): Promise<number> {
    const { lease } = this.hooks;
    if (lease) {
      const leading = lease.leading;
      if (!(await lease.isLeader())) return 0;
      if (!leading) this.hooks.becameLeader?.();
    }
    if ((await this.hooks.beforeBatch?.()) === false) return 0;
    try {
      return await this.consumeBatch();
    } catch (error) {
      // The batch's own error is the one to report; the hook logs its own failures.
      await this.hooks.rolledBack?.().catch(() => undefined);
      throw error;
    }
  }

  private async consumeBatch(): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      await em.execute('INSERT INTO bus_positions (consumer, position) VALUES (?, 0) ON CONFLICT DO NOTHING', [this.name]);
      // The row lock keeps two replicas of this service from applying the same batch.
      const [{ position }] = await em.execute('SELECT position::text FROM bus_positions WHERE consumer = ? FOR UPDATE', [
        this.name,
      ]);
      const events = await readBusEvents(this.bus, position, BATCH_SIZE);
      for (const event of events) {
        await this.handlers[event.type]?.(event, em);
      }
      if (events.length) {
        await em.flush();
        await em.execute('UPDATE bus_positions SET position = ? WHERE consumer = ?', [events.at(-1)!.position, this.name]);
      }
      return events.length;
    });
  }
}
