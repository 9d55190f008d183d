import pg from 'pg';
import { inBusTransaction } from './bus-transaction';

/** Subgraphs publish to and read from one table in a database of its own (short-lived events are deleted past their retention). */
export const BUS_CHANNEL = 'herck_bus';

export interface BusEvent {
  /** Order of publication; consumers remember the last one they applied. */
  position: string;
  id: string;
  type: string;
  source: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export async function ensureBusSchema(bus: pg.Pool): Promise<void> {
  await inBusTransaction(bus, 'herck:bus-schema', async (client) => {
    await client.query(`CREATE TABLE IF NOT EXISTS bus_events (
      position bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      source text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    // For the deletion of short-lived events past their retention (bus-retention.ts): it reads only those.
    await client.query('CREATE INDEX IF NOT EXISTS bus_events_type_created_at_idx ON bus_events (type, created_at)');
  });
}

export async function readBusEvents(bus: pg.Pool | pg.PoolClient, after: string, limit: number): Promise<BusEvent[]> {
  const { rows } = await bus.query(
    `SELECT position::text, id, type, source, payload, created_at AS "createdAt"
       FROM bus_events WHERE bus_events.position > $1 ORDER BY bus_events.position LIMIT $2`,
    [after, limit],
  );
  return rows as BusEvent[];
}
