import pg from 'pg';

/** A connection of the test's own to a service's database, to hold locks or watch what the service does. */
export async function connectToDatabase(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}
