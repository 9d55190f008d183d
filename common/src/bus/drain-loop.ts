import { RepeatedFailure } from '../logging/repeated-failure';

/**
 * Runs `step` until it says there is no more to do. A kick while a round runs
 * queues exactly one more round, so bursts of kicks cost one extra pass, and
 * rounds never overlap. A round that fails is tried again at the next kick.
 */
export class DrainLoop {
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;

  constructor(
    /** Does one batch; resolves true when another batch may be waiting. */
    private readonly step: () => Promise<boolean>,
    private readonly failures: RepeatedFailure,
  ) {}

  /** Resolves when a round that started after this call has finished. */
  kick(): Promise<void> {
    if (this.pending || this.stopped) return this.running;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      try {
        while (await this.step());
        this.failures.succeeded();
      } catch (error) {
        this.failures.failed(error);
      }
    });
    return this.running;
  }

  /** Ignores further kicks and waits for the current round. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
