import { AdvisoryLease, Logger, Orm } from '@herck/common';
import { IngestionService, recordGap } from './ingestion.service';
import { RoundGap, RoundSchedule } from './round-schedule';
import { Clock } from './clock';

/**
 * Runs rounds on the drift-free schedule, on the one replica that holds the
 * ingestion lock; the others stand by and take over when it goes.
 */
export class IngestionRunner {
  private readonly schedule: RoundSchedule;

  constructor(
    private readonly orm: Orm,
    private readonly service: IngestionService,
    private readonly leader: AdvisoryLease,
    private readonly logger: Logger,
    intervalSeconds: number,
    clock?: Clock,
  ) {
    this.schedule = new RoundSchedule({
      intervalMs: intervalSeconds * 1000,
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
    if (!(await this.leader.isLeader())) return;
    await this.service.runRound(roundTime);
  }

  private async gap({ roundTime, reason }: RoundGap): Promise<void> {
    if (!(await this.leader.isLeader())) return;
    this.logger.warn('market round skipped', { roundTime, reason });
    await recordGap(this.orm.em.fork(), roundTime, reason);
  }
}
