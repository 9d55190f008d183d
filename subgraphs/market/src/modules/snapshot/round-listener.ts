import { Logger, NotificationListener, Orm } from '@herck/common';
import { Asset } from '../asset/asset.entity';
import { ASSET_CHANNEL } from '../asset/asset.service';
import { HistoryRepository } from '../history/history.repository';
import { CLOSES_CHANNEL, ROUND_CHANNEL } from '../ingestion/round-writer';
import { LiveFeed } from '../live/live-feed';
import { SnapshotStore } from './snapshot-store';

/**
 * Keeps a standby replica's snapshot current: the ingesting replica announces
 * each committed round (NOTIFY; a round without ticks only when it closed
 * candles, to publish them), and the others load it from the database
 * here — outside any query, so `marketSnapshot` still never reads it. Every
 * replica also takes each change of an asset, whichever replica made it. A lost
 * connection is re-established with backoff, and the latest round loaded then,
 * so no announcement missed meanwhile leaves the snapshot behind.
 */
export class RoundListener {
  private readonly listener: NotificationListener;
  /** The asset reloads under way, chained. */
  private assetChanges: Promise<void> = Promise.resolve();

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
      channels: [ROUND_CHANNEL, CLOSES_CHANNEL, ASSET_CHANNEL],
      onNotification: (channel, payload) => {
        if (channel === ASSET_CHANNEL) this.assetChanges = this.assetChanges.then(() => this.reloadAsset(payload));
        else void (channel === CLOSES_CHANNEL ? this.publishCloses(new Date(payload)) : this.load(new Date(payload)));
      },
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

  /**
   * An admin changed an asset (on any replica): every replica's snapshot takes it
   * from the store at once, as the one that served the change did, not with its
   * next round. One at a time, in the order announced.
   */
  private async reloadAsset(symbol: string): Promise<void> {
    try {
      const asset = await this.orm.em.fork().findOne(Asset, { symbol });
      if (asset) this.snapshot.assetChanged(asset);
    } catch (error) {
      this.logger.warn('could not load a changed asset', { symbol, error });
    }
  }

  /** Publishes the candles a round without ticks closed (it has no round to load). */
  private async publishCloses(time: Date): Promise<void> {
    if (this.ingesting() || Number.isNaN(time.getTime())) return;
    try {
      // Once: this replica published them itself if the round was its own (it ingested when the round began).
      this.live.publishRoundCloses(time, await new HistoryRepository(this.orm.em.fork()).candlesClosedBy(time));
    } catch (error) {
      this.logger.warn('could not load the candles a round closed', { roundTime: time, error });
    }
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
        const candles = await history.candlesOfRound(round);
        // A later round was published while they were read (this replica took over and ran it): the current
        // candles read are older than what it published (an open one after its close); only the closes are news.
        this.live.publishCandles(this.snapshot.holds(round.time) ? candles : candles.filter((candle) => candle.closed));
      }
    } catch (error) {
      this.logger.warn('could not load an announced round', { roundTime: time, error });
    }
  }
}
