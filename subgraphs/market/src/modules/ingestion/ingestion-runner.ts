import { AdvisoryLease, Logger, Orm } from '@herck/common';
import { IngestionService, recordGap } from './ingestion.service';
import { recordMissedRounds } from './missed-rounds';
import { RoundGap, RoundSchedule } from './round-schedule';
import { Clock } from './clock';

/**
 * Runs rounds on the drift-free schedule, on the one replica that holds the
 * ingestion lock; the others stand by and take over when it goes.
 */
export class IngestionRunner {
  private readonly schedule: RoundSchedule;
  private readonly intervalMs: number;

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
   * `ingestionGaps`, not only as missing ticks.
   */
  private async lead(roundTime: Date): Promise<boolean> {
    const wasLeading = this.leader.leading;
    if (!(await this.leader.isLeader())) return false;
    if (!wasLeading) {
      try {
        const missed = await recordMissedRounds(this.orm.em.fork(), roundTime, this.intervalMs);
        if (missed) this.logger.warn('market rounds missed while no replica was ingesting', { until: roundTime, recorded: missed });
      } catch (error) {
        // The round itself matters more than the record of those before it.
        this.logger.error('could not record the rounds missed while no replica was ingesting', { until: roundTime, error });
      }
    }
    return true;
  }
}
