import { Logger, NotificationListener, Orm } from '@herck/common';
import { HistoryRepository } from '../history/history.repository';
import { ROUND_CHANNEL } from '../ingestion/round-writer';
import { LiveFeed } from '../live/live-feed';
import { SnapshotStore } from './snapshot-store';

/**
 * Keeps a standby replica's snapshot current: the ingesting replica announces
 * each committed round (NOTIFY), and the others load it from the database
 * here — outside any query, so `marketSnapshot` still never reads it. A lost
 * connection is re-established with backoff, and the latest round loaded then,
 * so no announcement missed meanwhile leaves the snapshot behind.
 */
export class RoundListener {
  private readonly listener: NotificationListener;

  constructor(
    databaseUrl: string,
    private readonly orm: Orm,
    private readonly snapshot: SnapshotStore,
    private readonly live: LiveFeed,
    private readonly logger: Logger,
    /** The ingesting replica publishes its own rounds; it ignores the announcements. */
    private readonly ingesting: () => boolean,
  ) {
    this.listener = new NotificationListener({
      name: 'round listener',
      databaseUrl,
      channels: [ROUND_CHANNEL],
      onNotification: (_channel, payload) => void this.load(new Date(payload)),
      onReconnected: () => this.load(null),
      logger,
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
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
