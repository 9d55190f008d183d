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
  /**
   * Kept, past `days`, until every consumer the bus knows of that reads their type has applied them
   * (`bus_consumers`): announcements a consumer acts on once (a fill becomes a transaction), which a
   * consumer stopped for a while must still find.
   */
  untilConsumed?: boolean;
}

/**
 * Which events one delete pass takes: of `types`, published before `cutoff`, or before an earlier
 * cutoff of their own where `longer` names the value of their payload field.
 */
interface Selection {
  types: readonly string[];
  cutoff: Date;
  /** Only events at or before this bus position (the slowest consumer's), when set. */
  through?: string;
  longer?: { field: string; values: string[]; cutoffs: Date[] };
}

/**
 * Deletes the events `selection` names, a batch at a time; returns how many went. One walk of
 * the events older than `cutoff` a batch, each held to its own cutoff: the events kept longer
 * are the oldest, and a walk per value would pass over them all once per value.
 */
async function deleteBusEvents(bus: pg.Pool, { types, cutoff, longer, through }: Selection): Promise<number> {
  const keptLonger = longer ? 'LEFT JOIN unnest($3::text[], $4::timestamptz[]) AS kept(value, cutoff) ON kept.value = e.payload->>$5' : '';
  const ownCutoff = longer ? 'AND e.created_at < coalesce(kept.cutoff, $2)' : '';
  const params: unknown[] = longer ? [types, cutoff, longer.values, longer.cutoffs, longer.field] : [types, cutoff];
  const applied = through === undefined ? '' : `AND e.position <= $${params.push(through)}`;
  let deleted = 0;
  for (;;) {
    const { rowCount } = await bus.query(
      `DELETE FROM bus_events WHERE position IN (
         SELECT e.position FROM bus_events e ${keptLonger}
          WHERE e.type = ANY($1::text[]) AND e.created_at < $2 ${ownCutoff} ${applied} LIMIT ${BATCH})`,
      params,
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) return deleted;
  }
}

/**
 * The bus position every known consumer of `types` has applied (the slowest one's); undefined when no
 * consumer of them has ever reported, as with no service reading them: then the window alone counts.
 */
async function appliedByAll(bus: pg.Pool, types: readonly string[]): Promise<string | undefined> {
  const { rows } = await bus.query<{ through: string | null }>('SELECT min(position)::text AS through FROM bus_consumers WHERE types && $1::text[]', [types]);
  return rows[0]?.through ?? undefined;
}

/** One housekeeping pass: the service's short-lived events past their retention go, and the log says how many. */
export async function pruneBusEvents(bus: pg.Pool, retention: BusRetention, logger: Logger): Promise<void> {
  const before = (days: number) => new Date(Date.now() - Math.max(days, retention.days) * DAY_MS);
  const { longer } = retention;
  const through = retention.untilConsumed ? await appliedByAll(bus, retention.types) : undefined;
  const selections: Selection[] = [{ types: retention.types.filter((type) => type !== longer?.type), cutoff: before(retention.days), through }];
  if (longer) {
    const values = Object.keys(longer.days);
    // An event without the field, or with a value not listed, keeps to `days`.
    selections.push({ types: [longer.type], cutoff: before(retention.days), through, longer: { field: longer.field, values, cutoffs: values.map((value) => before(longer.days[value]!)) } });
  }
  let events = 0;
  for (const selection of selections) events += await deleteBusEvents(bus, selection);
  if (events) logger.info('old bus events deleted', { events, before: before(retention.days), types: retention.types });
}
