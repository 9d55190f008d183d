import { Worker } from 'node:worker_threads';

/** Work sent to a thread: told when the thread went before it ended. */
export interface ThreadJob {
  fail(error: Error): void;
}

/**
 * One worker thread running `file`, started when first needed and again after it fails, and the
 * jobs under way on it, by number. A thread that goes (a fault, or stop) fails the jobs that ran
 * on it; the next job starts another. What the messages mean is the caller's: `received` gets
 * every message the thread sends.
 */
export class WorkerThread<TJob extends ThreadJob, TMessage> {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, { job: TJob; worker: Worker }>();
  private next = 0;

  /** `what`: the thread, as its failure names it ("the backtest thread"). */
  constructor(
    private readonly file: string,
    private readonly what: string,
    private readonly received: (message: TMessage) => void,
  ) {}

  /** Jobs under way (started and not yet ended or failed). */
  get size(): number {
    return this.jobs.size;
  }

  /** Starts `job` on the thread: `message` is what the thread is sent for it, given the job's number. */
  start(job: TJob, message: (id: number) => unknown): number {
    const worker = (this.worker ??= this.open());
    const id = this.next++;
    this.jobs.set(id, { job, worker });
    worker.postMessage(message(id));
    return id;
  }

  /** The job under way with that number, if any. */
  job(id: number): TJob | undefined {
    return this.jobs.get(id)?.job;
  }

  /** Sends the thread a job runs on a message about it (ignored when the job is no longer under way). */
  send(id: number, message: unknown): void {
    this.jobs.get(id)?.worker.postMessage(message);
  }

  /** Forgets a job that ended, and gives it back. */
  ended(id: number): TJob | undefined {
    const job = this.jobs.get(id)?.job;
    this.jobs.delete(id);
    return job;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private open(): Worker {
    const worker = new Worker(this.file);
    // A thread with nothing to do keeps no process alive; one under way has a request waiting for it.
    worker.unref();
    worker.on('message', (message: TMessage) => this.received(message));
    worker.on('error', (error) => this.failed(worker, error));
    worker.on('exit', (code) => this.failed(worker, new Error(`The ${this.what} stopped (exit code ${code})`)));
    return worker;
  }

  /** The thread is gone: what ran on it fails, and the next job starts another. */
  private failed(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null;
    for (const [id, under] of this.jobs) {
      if (under.worker !== worker) continue;
      this.jobs.delete(id);
      under.job.fail(error);
    }
  }
}
