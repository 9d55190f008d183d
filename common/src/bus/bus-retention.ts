import pg from 'pg';
import { Logger } from '../logging/logger';

/** Rows deleted per statement: no long lock on the bus while consumers read it. */
const BATCH = 5_000;

/** Which of a service's events the bus keeps for a while only, and how long. */
export interface BusRetention {
  /** Announcements whose state lives elsewhere (market data: market keeps it), not changes a new consumer must replay. */
  types: readonly string[];
  days: number;
}

/** Deletes the events of `types` published before `cutoff`, a batch at a time; returns how many went. */
export async function deleteOldBusEvents(bus: pg.Pool, types: readonly string[], cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await bus.query(
      `DELETE FROM bus_events WHERE position IN (
         SELECT position FROM bus_events WHERE type = ANY($1::text[]) AND created_at < $2 LIMIT ${BATCH})`,
      [types, cutoff],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) return deleted;
  }
}

/** One housekeeping pass: the service's short-lived events past their retention go, and the log says how many. */
export async function pruneBusEvents(bus: pg.Pool, retention: BusRetention, logger: Logger): Promise<void> {
  const before = new Date(Date.now() - retention.days * 86_400_000);
  const events = await deleteOldBusEvents(bus, retention.types, before);
  if (events) logger.info('old bus events deleted', { events, before, types: retention.types });
}
