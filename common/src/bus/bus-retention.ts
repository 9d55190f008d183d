import pg from 'pg';
import { Logger } from '../logging/logger';

/** Rows deleted per statement: no long lock on the bus while consumers read it. */
const BATCH = 5_000;
const DAY_MS = 86_400_000;

/** Which of a service's events the bus keeps for a while only, and how long. */
export interface BusRetention {
  /** Announcements whose state lives elsewhere (market data: market keeps it), not changes a new consumer must replay. */
  types: readonly string[];
  days: number;
  /**
   * Events of one of `types` kept longer by the value of a payload field (never shorter than `days`):
   * market's closed candles by interval, so a new consumer still finds as many of each as it warms up on.
   */
  longer?: { type: string; field: string; days: Record<string, number> };
}

/** Which events one delete pass takes: of `types`, published before `cutoff`, with `field` of the payload among `values` (or any but them). */
interface Selection {
  types: readonly string[];
  cutoff: Date;
  payload?: { field: string; values: string[]; except: boolean };
}

/** Deletes the events `selection` names, a batch at a time; returns how many went. */
async function deleteBusEvents(bus: pg.Pool, { types, cutoff, payload }: Selection): Promise<number> {
  // An event without the field counts as having none of the values.
  const byPayload = payload ? `AND ${payload.except ? 'NOT ' : ''}coalesce(payload->>$3 = ANY($4::text[]), false)` : '';
  const params = payload ? [types, cutoff, payload.field, payload.values] : [types, cutoff];
  let deleted = 0;
  for (;;) {
    const { rowCount } = await bus.query(
      `DELETE FROM bus_events WHERE position IN (
         SELECT position FROM bus_events WHERE type = ANY($1::text[]) AND created_at < $2 ${byPayload} LIMIT ${BATCH})`,
      params,
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) return deleted;
  }
}

/** One housekeeping pass: the service's short-lived events past their retention go, and the log says how many. */
export async function pruneBusEvents(bus: pg.Pool, retention: BusRetention, logger: Logger): Promise<void> {
  const before = (days: number) => new Date(Date.now() - Math.max(days, retention.days) * DAY_MS);
  const { longer } = retention;
  const selections: Selection[] = [{ types: retention.types.filter((type) => type !== longer?.type), cutoff: before(retention.days) }];
  if (longer) {
    const values = Object.keys(longer.days);
    selections.push({ types: [longer.type], cutoff: before(retention.days), payload: { field: longer.field, values, except: true } });
    for (const value of values) selections.push({ types: [longer.type], cutoff: before(longer.days[value]!), payload: { field: longer.field, values: [value], except: false } });
  }
  let events = 0;
  for (const selection of selections) events += await deleteBusEvents(bus, selection);
  if (events) logger.info('old bus events deleted', { events, before: before(retention.days), types: retention.types });
}
