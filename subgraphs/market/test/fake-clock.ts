import { Clock, TimerHandle } from '../src/modules/ingestion/clock';

/** Lets every promise chain started so far settle (a macrotask turn, no time passes). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock whose time moves only when the test moves it; every timer fires `lateMs` after it is due. */
export class FakeClock implements Clock {
  /** The delay asked for by each setTimeout call, in order. */
  readonly delays: number[] = [];
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  constructor(
    private time: number,
    private readonly lateMs = 0,
  ) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.delays.push(ms);
    this.timers.set(id, { at: this.time + Math.max(0, ms) + this.lateMs, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the earliest pending timer is due. */
  get nextDue(): number | undefined {
    return this.earliest()?.[1].at;
  }

  /** Moves time to `target`, firing each due timer at its own time and letting what it starts settle. */
  async advanceTo(target: number): Promise<void> {
    for (let due = this.earliest(); due && due[1].at <= target; due = this.earliest()) {
      this.time = Math.max(this.time, due[1].at);
      this.timers.delete(due[0]);
      due[1].fn();
      await settle();
    }
    this.time = Math.max(this.time, target);
    await settle();
  }

  /** Moves time without firing timers: a blocked event loop or a suspended host. */
  jump(target: number): void {
    this.time = target;
  }

  /** Fires the earliest timer `byMs` before it is due, as some platforms do. */
  async fireEarly(byMs: number): Promise<void> {
    const due = this.earliest();
    if (!due) throw new Error('no timer pending');
    this.time = due[1].at - byMs;
    this.timers.delete(due[0]);
    due[1].fn();
    await settle();
  }

  private earliest(): [number, { at: number; fn: () => void }] | undefined {
    return [...this.timers].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
  }
}
