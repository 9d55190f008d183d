import { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { AdvisoryLease } from '../database/advisory-lease';
import { Orm } from '../database/open-orm';
import { NotificationListener } from '../database/notification-listener';
import { isStoreUnavailable } from '../database/store-unavailable';
import { Logger } from '../logging/logger';
import { RepeatedFailure } from '../logging/repeated-failure';
import { BUS_CHANNEL, BusEvent, newestBusPosition, readBusEvents, reportConsumerPosition } from './bus-database';
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
  /**
   * Runs before each batch, holding the consumer's position lock; false (not ready yet) or a failure
   * skips the batch (it is retried).
   */
  beforeBatch?(): Promise<boolean>;
  rolledBack?(): Promise<void>;
}

const BATCH_SIZE = 100;

/** How often a standby looks whether the lease holder has applied what it waits for. */
const CATCH_UP_POLL_MS = 25;

/** One event a consumer gave up on, as admins are shown it (its payload stays in the table). */
export interface DeadLetterSummary {
  /** Its bus position (decimal text: bigint). */
  position: string;
  eventId: string;
  type: string;
  /** The last attempt's error. */
  error: string;
  attempts: number;
  /** ISO time. */
  failedAt: string;
}

/** How many of a consumer's dead letters its status shows, newest first, and how much of each one's error. */
export const DEAD_LETTERS_SHOWN = 10;
const DEAD_LETTER_ERROR_LENGTH = 500;

/** How far a consumer is behind the bus, and how many events it gave up on. */
export interface BusConsumerStatus {
  consumer: string;
  /** Events published to the bus that this consumer has not applied yet. */
  lag: number;
  /** Events moved to its `bus_dead_letters` table. */
  deadLetters: number;
  /** The newest DEAD_LETTERS_SHOWN of them, newest first (absent from a report of an older version). */
  recentDeadLetters?: DeadLetterSummary[];
  /** The last bus position it applied, and the newest published (decimal text: bigint): a watcher works the lag out from them once it stops answering. */
  position?: string;
  newest?: string;
}

/** An event whose handling failed, retried on its own until it succeeds or runs out of attempts. */
interface Failure {
  attempts: number;
  /** Tries that met the consumer's store gone under it: counted apart (see STORE_LOSS_TOLERANCE). */
  storeLosses: number;
  error: string;
}

/**
 * A store lost under an event's handling (a dropped connection, a restart, a failover) is seldom the
 * event's fault: it counts against the event only past this many times its attempts. A sound event
 * then outlasts any run of bad luck; one that makes the database end the connection every time
 * (a poison event) still reaches the dead letters instead of holding the consumer up for ever.
 */
const STORE_LOSS_TOLERANCE = 10;

/**
 * Applies bus events to the service's own store. The effect of a batch and the
 * new read position commit together, so each event takes effect exactly once.
 * When a batch fails, its events are applied one per transaction; an event
 * that fails `maxAttempts` times goes to `bus_dead_letters` in the transaction
 * that moves the position past it, so one poison event cannot stop the consumer.
 */
export class BusConsumer {
  private timer?: NodeJS.Timeout;
  private listener?: NotificationListener;
  private readonly loop: DrainLoop;
  /** Failed tries of events not yet applied nor given up, by bus position (this replica's count). */
  private readonly failures = new Map<string, Failure>();
  /** After a failed batch, events up to this position are applied one at a time, to find the one that fails. */
  private isolateThrough: bigint | null = null;
  /** The position last reported to the bus (reportPosition). */
  private reported?: string;

  constructor(
    private readonly name: string,
    private readonly orm: Orm,
    private readonly bus: pg.Pool,
    private readonly busUrl: string,
    private readonly handlers: Record<string, BusEventHandler>,
    private readonly logger: Logger,
    private readonly hooks: BusBatchHooks = {},
    private readonly pollMs = 1000,
    /** Failed tries after which an event goes to the dead letters (`BUS_MAX_ATTEMPTS`). */
    private readonly maxAttempts = 5,
  ) {
    this.loop = new DrainLoop(() => this.consumeBatchWithHooks(), new RepeatedFailure(logger, 'bus consumer', { consumer: name }));
  }

  async start(): Promise<void> {
    // Said before the first batch: a new consumer (at 0) holds back the deletion of what it has yet to read.
    const own = await this.appliedPosition().catch((error: unknown) => void this.logger.warn('bus consumer position not read; reported after the first batch', { consumer: this.name, error }));
    if (own !== undefined) await this.reportPosition(own, { starting: true });
    // Without it the consumer still polls, but each event waits up to a poll interval.
    this.listener = new NotificationListener({
      name: 'bus listener',
      databaseUrl: this.busUrl,
      channels: [BUS_CHANNEL],
      onNotification: () => void this.kick(),
      onReconnected: () => this.kick(),
      logger: this.logger,
    });
    await this.listener.start();
    this.timer = setInterval(() => void this.kick(), this.pollMs);
    this.timer.unref();
    await this.kick();
  }

  /** Resolves once every event published before the call has been applied (or one failed: it is retried at the next kick). */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  /**
   * Resolves once every event published before the call has been applied to this service's store, or
   * after `timeoutMs`. A replica without the lease applies nothing itself: the one holding it does, into
   * the same store, whose position it then waits for (a standby answered at once, before the events it
   * was asked to wait for).
   */
  async caughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const { lease } = this.hooks;
    // Unreadable (the bus or the store gone): nothing to wait for that could be seen; the caller goes on as after a timeout.
    const target = lease ? await newestBusPosition(this.bus).then(BigInt, () => null) : null;
    await this.loop.kick();
    if (target === null || lease?.leading) return;
    while (Date.now() < deadline) {
      const own = await this.appliedPosition().catch(() => null);
      if (own === null || BigInt(own) >= target) return;
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
    }
  }

  /** How far this service's store has applied the bus ("0" before its first batch). */
  private async appliedPosition(): Promise<string> {
    const [own] = await this.orm.em.fork().execute<{ position: string }[]>('SELECT position::text FROM bus_positions WHERE consumer = ?', [this.name]);
    return own?.position ?? '0';
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.loop.stop();
    await this.listener?.stop();
    await this.hooks.lease?.release();
  }

  /** Lag behind the newest bus event, and the dead letters so far (the newest listed unless `listDeadLetters` is false: metrics only count them). */
  async status({ listDeadLetters = true } = {}): Promise<BusConsumerStatus> {
    const [own] = await this.orm.em.fork().execute<{ position: string | null; dead_letters: number }[]>(
      `SELECT (SELECT position::text FROM bus_positions WHERE consumer = ?) AS position,
              (SELECT count(*)::int FROM bus_dead_letters WHERE consumer = ?) AS dead_letters`,
      [this.name, this.name],
    );
    const { rows } = await this.bus.query<{ newest: string }>('SELECT coalesce(max(position), 0)::text AS newest FROM bus_events');
    const lag = BigInt(rows[0]!.newest) - BigInt(own?.position ?? 0);
    const deadLetters = own?.dead_letters ?? 0;
    const recentDeadLetters = deadLetters && listDeadLetters ? await this.recentDeadLetters() : [];
    return { consumer: this.name, lag: lag > 0n ? Number(lag) : 0, deadLetters, recentDeadLetters, position: own?.position ?? '0', newest: rows[0]!.newest };
  }

  /** What admins need to find an event it gave up on and why: not its payload, which may be large. */
  private async recentDeadLetters(): Promise<DeadLetterSummary[]> {
    const rows = await this.orm.em.fork().execute<{ position: string; event_id: string; type: string; error: string; attempts: number; failed_at: Date }[]>(
      `SELECT position::text, event_id, type, error, attempts, failed_at FROM bus_dead_letters WHERE consumer = ? ORDER BY position DESC LIMIT ${DEAD_LETTERS_SHOWN}`,
      [this.name],
    );
    // An error's message may hold a whole statement: its start says what failed.
    return rows.map((row) => ({ position: row.position, eventId: row.event_id, type: row.type, error: row.error.slice(0, DEAD_LETTER_ERROR_LENGTH), attempts: row.attempts, failedAt: new Date(row.failed_at).toISOString() }));
  }

  /** Resolves true when more events may be waiting now. */
  private async consumeBatchWithHooks(): Promise<boolean> {
    const { lease } = this.hooks;
    if (lease) {
      const leading = lease.leading;
      if (!(await lease.isLeader())) return false;
      if (!leading) this.hooks.becameLeader?.();
    }
    const attempt: Attempt = { events: [] };
    try {
      return await this.consumeBatch(attempt);
    } catch (error) {
      // The batch's own error is the one to report; the hook logs its own failures.
      await this.hooks.rolledBack?.().catch(() => undefined);
      if (attempt.events.length > 1) this.isolateThrough = BigInt(attempt.events.at(-1)!.position);
      // A failure is an event's own when its handler threw, or when it was alone and its effects failed
      // to be written; not when the store could not be reached at all (that is no event's fault).
      const culprit = attempt.failed ?? (attempt.events.length === 1 && attempt.handled ? attempt.events[0] : undefined);
      if (!culprit) throw error;
      const storeLost = isStoreUnavailable(error);
      const failure = this.failures.get(culprit.position) ?? { attempts: 0, storeLosses: 0, error: '' };
      if (storeLost) failure.storeLosses += 1;
      else failure.attempts += 1;
      failure.error = describe(error);
      this.failures.set(culprit.position, failure);
      this.logger.warn('bus event failed; it will be retried on its own', {
        consumer: this.name,
        position: culprit.position,
        eventId: culprit.id,
        type: culprit.type,
        attempts: failure.attempts,
        maxAttempts: this.maxAttempts,
        ...(storeLost && { storeLosses: failure.storeLosses, maxStoreLosses: this.maxAttempts * STORE_LOSS_TOLERANCE }),
        error,
      });
      // Retried at the next kick (notification or poll), not in a tight loop.
      return false;
    }
  }

  /** Best effort: a report that fails is made with the next batch (until then, deletions wait on the older one). */
  private async reportPosition(position: string, { starting = false } = {}): Promise<void> {
    if (position === this.reported) return;
    try {
      await reportConsumerPosition(this.bus, this.name, Object.keys(this.handlers), position, { starting });
      this.reported = position;
    } catch (error) {
      this.logger.warn('bus consumer position not reported to the bus', { consumer: this.name, error });
    }
  }

  private async consumeBatch(attempt: Attempt): Promise<boolean> {
    const more = await this.consumeBatchInTransaction(attempt);
    if (attempt.committedPosition) await this.reportPosition(attempt.committedPosition);
    return more;
  }

  private async consumeBatchInTransaction(attempt: Attempt): Promise<boolean> {
    return this.orm.em.fork().transactional(async (em) => {
      await em.execute('INSERT INTO bus_positions (consumer, position) VALUES (?, 0) ON CONFLICT DO NOTHING', [this.name]);
      // The row lock keeps two replicas of this service from applying the same batch.
      const [{ position }] = await em.execute('SELECT position::text FROM bus_positions WHERE consumer = ? FOR UPDATE', [
        this.name,
      ]);
      // Under the row lock: a leader that lost its lease mid-batch has committed that batch (or rolled it
      // back) by now, so what the hook reads into memory (after a takeover) has it.
      if ((await this.hooks.beforeBatch?.()) === false) return false;
      this.forgetUpTo(BigInt(position));
      const isolating = this.isolateThrough !== null;
      const limit = isolating ? 1 : BATCH_SIZE;
      // Only the events this consumer handles are read; the others are passed over in the same read,
      // not a transaction per hundred (a new consumer replays the whole bus, ticks and all).
      const newest = await newestBusPosition(this.bus);
      const events = await readBusEvents(this.bus, position, newest, Object.keys(this.handlers), limit);
      if (!events.length) {
        if (BigInt(newest) > BigInt(position)) await em.execute('UPDATE bus_positions SET position = ? WHERE consumer = ?', [newest, this.name]);
        attempt.committedPosition = BigInt(newest) > BigInt(position) ? newest : position;
        return false;
      }
      const failure = this.failures.get(events[0]!.position);
      if (failure && (failure.attempts >= this.maxAttempts || failure.storeLosses >= this.maxAttempts * STORE_LOSS_TOLERANCE)) {
        await this.deadLetter(em, events[0]!, failure);
        return true;
      }
      attempt.events = events;
      for (const event of events) {
        try {
          await this.handlers[event.type]?.(event, em);
        } catch (error) {
          attempt.failed = event;
          throw error;
        }
      }
      attempt.handled = true;
      await em.flush();
      // A batch short of its limit holds every event of ours up to `newest`: the position moves there.
      const full = events.length === limit;
      attempt.committedPosition = full ? events.at(-1)!.position : newest;
      await em.execute('UPDATE bus_positions SET position = ? WHERE consumer = ?', [attempt.committedPosition, this.name]);
      return full;
    });
  }

  /** Records the event as given up and moves past it, in the transaction holding the position's lock. */
  private async deadLetter(em: EntityManager, event: BusEvent, failure: Failure): Promise<void> {
    await em.execute(
      `INSERT INTO bus_dead_letters (consumer, position, event_id, type, payload, error, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [this.name, event.position, event.id, event.type, JSON.stringify(event.payload), failure.error, failure.attempts + failure.storeLosses],
    );
    await em.execute('UPDATE bus_positions SET position = ? WHERE consumer = ?', [event.position, this.name]);
    this.logger.error('bus event moved to dead letters', {
      consumer: this.name,
      position: event.position,
      eventId: event.id,
      type: event.type,
      attempts: failure.attempts,
      storeLosses: failure.storeLosses,
      error: failure.error,
    });
  }

  /** Drops what concerns events already applied (here or by another replica). */
  private forgetUpTo(position: bigint): void {
    for (const key of this.failures.keys()) if (BigInt(key) <= position) this.failures.delete(key);
    if (this.isolateThrough !== null && this.isolateThrough <= position) this.isolateThrough = null;
  }
}

/** The events a transaction took on, and the one whose handler threw. */
interface Attempt {
  events: BusEvent[];
  /** The event whose handler threw. */
  failed?: BusEvent;
  /** Every handler ran: a failure from here on is in writing their effects. */
  handled?: boolean;
  /** The position the batch's transaction moved to (set inside it: reported only once it committed). */
  committedPosition?: string;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
