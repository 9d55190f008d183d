import { BusConsumerStatus } from '@herck/common';

/**
 * The event consumers the status probes have seen, each as it last reported.
 * A consumer that stops answering (its subgraph stopped, stuck) is still
 * listed, its lag worked out from its last position and the newest position
 * any consumer has reported: the moment a consumer stops is when its lag
 * matters, and it went missing from `status.bus` then.
 */
export class BusConsumers {
  private readonly known = new Map<string, BusConsumerStatus>();
  /** The newest bus position any report named. */
  private newest: bigint | null = null;

  /** This probe's reports in; every consumer seen so far out, in the order first seen. */
  update(reports: BusConsumerStatus[]): BusConsumerStatus[] {
    for (const report of reports) {
      this.known.set(report.consumer, report);
      const newest = report.newest === undefined ? null : BigInt(report.newest);
      if (newest !== null && (this.newest === null || newest > this.newest)) this.newest = newest;
    }
    const answering = new Set(reports.map((report) => report.consumer));
    return [...this.known.values()].map((last) => {
      if (answering.has(last.consumer) || this.newest === null || last.position === undefined) return last;
      const behind = this.newest - BigInt(last.position);
      return { ...last, lag: behind > 0n ? Number(behind) : 0 };
    });
  }
}
