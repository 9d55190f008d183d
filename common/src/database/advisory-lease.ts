import pg from 'pg';
import { Logger } from '../logging/logger';
import { databaseClient } from './connect-timeout';

/**
 * One replica does some work at a time (market's ingestion, analysis's
 * evaluation): the one holding a PostgreSQL session-level advisory lock on its
 * own connection. When that replica stops (or its connection dies) the lock is
 * released and a standby takes it at its next try.
 */
export class AdvisoryLease {
  private client?: pg.Client;
  private leadingNow = false;

  constructor(
    private readonly databaseUrl: string,
    /** The lock's name, e.g. `herck:market:ingestion`. */
    private readonly lockName: string,
    /** What holding it means, for the log: "ingests market data". */
    private readonly role: string,
    private readonly logger: Logger,
  ) {}

  /** True while this replica holds the lock; tries to take it when it does not. */
  async isLeader(): Promise<boolean> {
    if (this.leadingNow) return true;
    try {
      this.client ??= await this.connect();
      const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.lockName]);
      this.leadingNow = rows[0]!.locked;
      if (this.leadingNow) this.logger.info(`this replica now ${this.role}`, { lock: this.lockName });
    } catch (error) {
      this.logger.warn('could not try the lock', { lock: this.lockName, error });
      await this.release();
    }
    return this.leadingNow;
  }

  /** Whether this replica held the lock at its last try. */
  get leading(): boolean {
    return this.leadingNow;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leadingNow = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    // Keep-alive both ways: a leader whose host vanished must lose the lock in seconds, not at the OS's two-hour
    // default. The lock is the server's, so it is the server that must notice the connection is dead: its own
    // probes (idle 10 s, then every 5 s, 3 unanswered) end the session, and a standby takes over about 25 s later.
    const client = databaseClient({
      connectionString: this.databaseUrl,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
    });
    client.on('error', (error) => {
      this.logger.warn('lock connection lost', { lock: this.lockName, error });
      void this.release();
    });
    await client.connect();
    return client;
  }
}
