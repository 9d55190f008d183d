import { Logger } from '../logging/logger';

/**
 * Work that continues after the response (mail, registration), tracked so that
 * shutdown can wait for it before closing the store. Failures are logged.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(name: string, task: () => Promise<void>): void {
    const promise = task()
      .catch((error: unknown) => this.logger.error(`${name} failed`, { error }))
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
