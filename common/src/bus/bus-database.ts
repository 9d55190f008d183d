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
    // How far each consumer has read, as it last said (its own store holds the true position): events kept
    // until applied (bus-retention.ts) wait for the slowest consumer of their type.
    await client.query(`CREATE TABLE IF NOT EXISTS bus_consumers (
      consumer text PRIMARY KEY,
      types text[] NOT NULL,
      position bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
}

/**
 * Tells the bus how far `consumer` has read, and which types it reads. Replicas share one consumer and
 * may report out of order: the furthest position stands. Except at a replica's start (`starting`), which
 * says where its store stands: a new database (an analysis store made afresh) reads the bus from its start
 * again, and what it has yet to read must be kept for it, however far the old one had gone.
 */
export async function reportConsumerPosition(bus: pg.Pool, consumer: string, types: readonly string[], position: string, { starting = false } = {}): Promise<void> {
  await bus.query(
    `INSERT INTO bus_consumers (consumer, types, position) VALUES ($1, $2::text[], $3)
     ON CONFLICT (consumer) DO UPDATE SET types = EXCLUDED.types,
       position = ${starting ? 'EXCLUDED.position' : 'GREATEST(bus_consumers.position, EXCLUDED.position)'}, updated_at = now()`,
    [consumer, types, position],
  );
}

/**
 * The next events of `types` after position `after`, up to `through`: the newest position when
 * the read began. Positions commit in order (bus-append's lock), so every event up to it is there.
 */
export async function readBusEvents(bus: pg.Pool | pg.PoolClient, after: string, through: string, types: readonly string[], limit: number): Promise<BusEvent[]> {
  const { rows } = await bus.query(
    `SELECT position::text, id, type, source, payload, created_at AS "createdAt"
       FROM bus_events
      WHERE bus_events.position > $1 AND bus_events.position <= $2 AND bus_events.type = ANY($3::text[])
      -- Qualified: a bare "position" here is the text column selected above, which sorts "10" before "9".
      ORDER BY bus_events.position LIMIT $4`,
    [after, through, types, limit],
  );
  return rows as BusEvent[];
}

/** The newest event's position ("0" on an empty bus). */
export async function newestBusPosition(bus: pg.Pool | pg.PoolClient): Promise<string> {
  const { rows } = await bus.query<{ newest: string }>('SELECT coalesce(max(position), 0)::text AS newest FROM bus_events');
  return rows[0]!.newest;
}
