import { AdvisoryLease, Logger, Orm } from '@herck/common';
import { IngestionService, recordGap } from './ingestion.service';
import { lastRoundKnown, recordMissedRounds } from './missed-rounds';
import { RoundGap, RoundSchedule } from './round-schedule';
import { Clock } from './clock';

/**
 * Runs rounds on the drift-free schedule, on the one replica that holds the
 * ingestion lock; the others stand by and take over when it goes.
 */
export class IngestionRunner {
  private readonly schedule: RoundSchedule;
  private readonly intervalMs: number;
  /**
   * The last boundary the store knew when this replica took the lock: boundaries up to it are not
   * this replica's to run or to record (see lead). Null when the store had none, or could not say.
   */
  private lastKnownAtTakeover: number | null = null;

  constructor(
    private readonly orm: Orm,
    private readonly service: IngestionService,
    private readonly leader: AdvisoryLease,
    private readonly logger: Logger,
    intervalSeconds: number,
    clock?: Clock,
  ) {
    this.intervalMs = intervalSeconds * 1000;
    this.schedule = new RoundSchedule({
      intervalMs: this.intervalMs,
      clock,
      run: (roundTime) => this.round(roundTime),
      onGap: (gap) => this.gap(gap),
      onError: (error, roundTime) => this.logger.error('market round failed', { roundTime, error }),
    });
  }

  /** Whether this replica is the one ingesting. */
  get ingesting(): boolean {
    return this.leader.leading;
  }

  start(): void {
    this.schedule.start();
  }

  async stop(): Promise<void> {
    await this.schedule.stop();
    await this.leader.release();
  }

  private async round(roundTime: Date): Promise<void> {
    if (!(await this.lead(roundTime))) return;
    await this.service.runRound(roundTime);
  }

  private async gap({ roundTime, reason }: RoundGap): Promise<void> {
    if (!(await this.lead(roundTime))) return;
    this.logger.warn('market round skipped', { roundTime, reason });
    await recordGap(this.orm.em.fork(), roundTime, reason);
  }

  /**
   * Whether this replica ingests the boundary `roundTime`. On taking the lock
   * (at start, or from a leader that stopped or died) it first records the
   * boundaries before it that no replica ran: the history's holes show in
   * `ingestionGaps`, not only as missing ticks. A boundary at or before the
   * last one the store knew then is not its own: a clock behind the old
   * leader's (or set back) would run again what is stored (asking the
   * providers for nothing), write today's prices over the old leader's gaps,
   * or record as gaps the boundaries before the store's first round. It waits
   * for the first boundary after that one instead (the schedule never goes
   * back, so only a takeover can meet such a boundary).
   */
  private async lead(roundTime: Date): Promise<boolean> {
    const wasLeading = this.leader.leading;
    if (!(await this.leader.isLeader())) return false;
    if (!wasLeading) await this.takeOver(roundTime);
    return this.lastKnownAtTakeover === null || roundTime.getTime() > this.lastKnownAtTakeover;
  }

  private async takeOver(roundTime: Date): Promise<void> {
    this.lastKnownAtTakeover = null;
    try {
      const missed = await recordMissedRounds(this.orm.em.fork(), roundTime, this.intervalMs);
      if (missed) this.logger.warn('market rounds missed while no replica was ingesting', { until: roundTime, recorded: missed });
      const lastKnown = await lastRoundKnown(this.orm.em.fork());
      if (lastKnown && lastKnown >= roundTime) {
        this.lastKnownAtTakeover = lastKnown.getTime();
        this.logger.warn("this replica's clock is behind the last market round stored: it ingests from the first boundary after it", {
          roundTime,
          lastRoundKnown: lastKnown,
          firstRound: new Date(Math.floor(lastKnown.getTime() / this.intervalMs) * this.intervalMs + this.intervalMs),
        });
      }
    } catch (error) {
      // The round itself matters more than the record of those before it, or than a check of this replica's clock against them.
      this.logger.error('could not read the rounds before this replica took over (missed rounds unrecorded, its clock unchecked against the last one)', { until: roundTime, error });
    }
  }
}
