import { abandoned } from './abortable';

interface Turn {
  start: (slot: number) => Promise<void>;
}

/**
 * Runs jobs on a fixed number of slots (a worker thread each, say), fairly between accounts: an
 * account's jobs run one at a time, in the order they came (none is refused: a client may send
 * several at once, as aliases of one query), and accounts with jobs waiting take turns, so one
 * account's long queue cannot keep another's job waiting for more than one job of each account
 * ahead of it. A job is told the slot it runs on; no two running jobs share one.
 *
 * A job given a `signal` that aborts (its client went away) while it waits is dropped from the
 * line at once; one already running is its own to stop (its slot is free once it settles).
 */
export class AccountTurns {
  /** Accounts with jobs waiting, in the order of their next turn (a Map keeps insertion order), and those jobs. */
  private readonly waiting = new Map<string, Turn[]>();
  /** Accounts with a job running. */
  private readonly running = new Set<string>();
  private readonly free: number[];

  constructor(slots: number) {
    this.free = Array.from({ length: slots }, (_, slot) => slot);
  }

  /** The account's jobs running or waiting to. */
  pending(account: string): number {
    return (this.waiting.get(account)?.length ?? 0) + (this.running.has(account) ? 1 : 0);
  }

  run<T>(account: string, job: (slot: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(abandoned(signal));
      const drop = () => {
        const turns = this.waiting.get(account);
        const at = turns?.indexOf(turn) ?? -1;
        if (at < 0) return;
        turns!.splice(at, 1);
        if (!turns!.length) this.waiting.delete(account);
        reject(abandoned(signal!));
      };
      const turn: Turn = {
        start: (slot) => {
          signal?.removeEventListener('abort', drop);
          return job(slot).then(resolve, reject);
        },
      };
      signal?.addEventListener('abort', drop, { once: true });
      const turns = this.waiting.get(account) ?? [];
      turns.push(turn);
      this.waiting.set(account, turns);
      this.startWhatCan();
    });
  }

  private startWhatCan(): void {
    while (this.free.length) {
      const account = [...this.waiting.keys()].find((candidate) => !this.running.has(candidate));
      if (account === undefined) return;
      const turn = this.waiting.get(account)!.shift()!;
      this.toBackOfTheLine(account);
      const slot = this.free.shift()!;
      this.running.add(account);
      void turn.start(slot).finally(() => {
        this.running.delete(account);
        this.free.push(slot);
        // Its next job waits behind those of every account that waited while this one ran.
        this.toBackOfTheLine(account);
        this.startWhatCan();
      });
    }
  }

  /** Moves the account's waiting jobs behind every other account's (forgets it with none left). */
  private toBackOfTheLine(account: string): void {
    const turns = this.waiting.get(account);
    this.waiting.delete(account);
    if (turns?.length) this.waiting.set(account, turns);
  }
}
