import pg from 'pg';
import { Logger, Orm } from '@herck/common';
import { HistoryRepository } from '../history/history.repository';
import { ROUND_CHANNEL } from '../ingestion/round-writer';
import { LiveFeed } from '../live/live-feed';
import { SnapshotStore } from './snapshot-store';

/**
 * Keeps a standby replica's snapshot current: the ingesting replica announces
 * each committed round (NOTIFY), and the others load it from the database
 * here — outside any query, so `marketSnapshot` still never reads it.
 */
export class RoundListener {
  private client?: pg.Client;

  constructor(
    private readonly databaseUrl: string,
    private readonly orm: Orm,
    private readonly snapshot: SnapshotStore,
    private readonly live: LiveFeed,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.databaseUrl });
    this.client.on('error', (error) => this.logger.warn('round listener connection lost', { error }));
    this.client.on('notification', (message) => void this.load(new Date(message.payload ?? '')));
    await this.client.connect();
    await this.client.query(`LISTEN ${ROUND_CHANNEL}`);
  }

  async stop(): Promise<void> {
    await this.client?.end().catch(() => undefined);
  }

  private async load(time: Date): Promise<void> {
    const current = this.snapshot.time;
    if (Number.isNaN(time.getTime()) || (current && current >= time)) return;
    try {
      const history = new HistoryRepository(this.orm.em.fork());
      const round = await history.round(time);
      if (round && this.snapshot.update(round, await history.assetsOf(round))) this.live.publishRound(round.ticks);
    } catch (error) {
      this.logger.warn('could not load an announced round', { time, error });
    }
  }
}
