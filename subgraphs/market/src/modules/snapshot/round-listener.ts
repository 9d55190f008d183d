import pg from 'pg';
import { Logger, Orm } from '@herck/common';
import { HistoryRepository } from '../history/history.repository';
import { ROUND_CHANNEL } from '../ingestion/round-writer';
import { LiveFeed } from '../live/live-feed';
import { SnapshotStore } from './snapshot-store';

const RETRY_MS = { first: 500, max: 10_000 };

/**
 * Keeps a standby replica's snapshot current: the ingesting replica announces
 * each committed round (NOTIFY), and the others load it from the database
 * here — outside any query, so `marketSnapshot` still never reads it. A lost
 * connection is re-established with backoff, and the latest round loaded then,
 * so no announcement missed meanwhile leaves the snapshot behind.
 */
export class RoundListener {
  private client?: pg.Client;
  private stopped = false;
  private retryMs = RETRY_MS.first;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly orm: Orm,
    private readonly snapshot: SnapshotStore,
    private readonly live: LiveFeed,
    private readonly logger: Logger,
    /** The ingesting replica publishes its own rounds; it ignores the announcements. */
    private readonly ingesting: () => boolean,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true });
    client.on('error', (error) => {
      this.logger.warn('round listener connection lost; reconnecting', { error });
      this.reconnectLater(client);
    });
    client.on('notification', (message) => void this.load(new Date(message.payload ?? '')));
    await client.connect();
    await client.query(`LISTEN ${ROUND_CHANNEL}`);
    this.client = client;
    this.retryMs = RETRY_MS.first;
  }

  private reconnectLater(lost: pg.Client): void {
    if (this.stopped || this.client !== lost) return;
    this.client = undefined;
    void lost.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.connect()
        .then(() => this.load(null))
        .catch((error: unknown) => {
          this.logger.warn('round listener could not reconnect', { error });
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.max);
          this.client = lost;
          this.reconnectLater(lost);
        });
    }, this.retryMs);
    this.retry.unref();
  }

  /** Loads the announced round (the latest one when `time` is null) unless the snapshot has it already. */
  private async load(time: Date | null): Promise<void> {
    if (this.ingesting()) return;
    const current = this.snapshot.time;
    if (time && (Number.isNaN(time.getTime()) || (current && current >= time))) return;
    try {
      const history = new HistoryRepository(this.orm.em.fork());
      const round = await history.round(time ?? undefined);
      if (round && this.snapshot.update(round, await history.assetsOf(round))) {
        this.live.publishRound(round.ticks);
        this.live.publishCandles(await history.candlesOfRound(round));
      }
    } catch (error) {
      this.logger.warn('could not load an announced round', { roundTime: time, error });
    }
  }
}
