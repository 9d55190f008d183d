import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { dropRestoreLeftovers, restoreDatabasesFor, swapInRestored } from '../src/backup/database-swap';
import { BackupError, BackupStore, databaseUrl, openSubgraphStore, SubgraphConfig, subgraphStoreSchema, dropDatabase, ensureDatabase, listBackups, Logger, openOrm, OutboxMessage, readManifest, restoreBackup, writeBackup } from '../src';

class TrickyTables extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE parents (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      amount numeric,
      ratio double precision,
      at timestamptz,
      doc jsonb,
      raw bytea,
      tags text[],
      span interval,
      day date,
      label text,
      label_length integer GENERATED ALWAYS AS (length(label)) STORED
    )`);
    // "a_children" sorts before "parents": the load order must follow the reference, not the name.
    this.addSql('CREATE TABLE a_children (seq bigserial PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parents (id), note text)');
    this.addSql('CREATE TABLE seeded (key text PRIMARY KEY, value text NOT NULL)');
    this.addSql("INSERT INTO seeded VALUES ('seed', 'from the migration')");
  }
}

class LaterColumn extends Migration {
  override up(): void {
    this.addSql("ALTER TABLE a_children ADD COLUMN added text NOT NULL DEFAULT 'after the backup'");
  }
}

const serverUrl = process.env.DATABASE_URL!;
const prefix = `test_backup_${randomBytes(4).toString('hex')}`;
const logger = new Logger('test', 'error');
const first = { name: 'Migration00000000000000_tricky', class: TrickyTables };
const later = { name: 'Migration00000000000001_later', class: LaterColumn };
const store = (database: string, migrations = [first]): BackupStore => ({ name: 'scratch', serverUrl, database, schema: { entities: [OutboxMessage], migrations } });
const source = `${prefix}_source`;
const target = `${prefix}_target`;
const subgraph = `${prefix}_subgraph`;
const second = `${prefix}_second`;
let backups: string;

const connect = async (database: string) => {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, database) });
  await client.connect();
  return client;
};
/** Every stored value as PostgreSQL prints it, in the UTC session restore uses. */
const contents = async (database: string) => {
  const client = await connect(database);
  try {
    await client.query("SET TimeZone = 'UTC'");
    const parents = await client.query('SELECT p::text AS row FROM parents p ORDER BY id');
    const children = await client.query('SELECT c::text AS row FROM a_children c ORDER BY seq');
    const seeded = await client.query('SELECT s::text AS row FROM seeded s ORDER BY key');
    return [...parents.rows, ...children.rows, ...seeded.rows].map((row) => row.row as string);
  } finally {
    await client.end();
  }
};

/** Which of `databases` the server holds, by name. */
const existingDatabases = async (databases: string[]) => {
  const client = await connect('postgres');
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname', [databases]);
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
};
const setRow = async (database: string, table: string, key: string, value: string) => {
  const client = await connect(database);
  try {
    await client.query(`UPDATE ${table} SET value = $2 WHERE key = $1`, [key, value]);
  } finally {
    await client.end();
  }
};

beforeAll(async () => {
  backups = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-backup-'));
  await ensureDatabase(serverUrl, source);
  await (await openOrm({ url: databaseUrl(serverUrl, source), entities: [OutboxMessage], migrations: [first], logger })).close();
  const client = await connect(source);
  try {
    await client.query(
      `INSERT INTO parents (amount, ratio, at, doc, raw, tags, span, day, label) VALUES
        (123456789012345678901234567890.123456789012345678901234567890, 0.1, '2026-11-23 10:15:30.123456+05:30',
         '{"big": 1.10000000000000000001, "nested": {"a": [1, "two", null]}, "text": "line\\nbreak \\u00e9"}',
         '\\x00ff10', ARRAY['plain', 'with,comma', 'with "quotes"', NULL, ''], '1 day 02:03:04.5', '2028-02-29'::date, 'Zoë'),
        ('NaN', 'Infinity', 'infinity', 'null', '\\x', '{}', NULL, NULL, NULL),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'last')`,
    );
    await client.query("INSERT INTO a_children (parent_id, note) SELECT id, 'child of ' || id FROM parents");
    // Ids taken then freed: the sequences must not hand them out again.
    await client.query('DELETE FROM a_children WHERE seq = (SELECT max(seq) FROM a_children)');
    await client.query("UPDATE seeded SET value = 'changed since'");
  } finally {
    await client.end();
  }
});

afterAll(async () => {
  for (const database of [source, target, subgraph, second]) await dropDatabase(serverUrl, database);
  await dropRestoreLeftovers(serverUrl, [target, second]);
  fs.rmSync(backups, { recursive: true, force: true });
});

describe('a database backup', () => {
  it('round-trips numeric, floats, timestamptz, jsonb, bytea, arrays, intervals and NULLs exactly, and keeps sequences ahead', async () => {
    const before = await contents(source);
    const written = await writeBackup([store(source)], backups, logger);
    expect(written.manifest.databases).toEqual([expect.objectContaining({ name: 'scratch', database: source, migration: first.name, migrations: [first.name] })]);
    const tables = written.manifest.databases[0].tables;
    expect(tables.map((table) => [table.name, table.rows])).toEqual([['a_children', 2], ['parents', 3], ['seeded', 1]]);
    expect(tables.find((table) => table.name === 'parents')!.columns).not.toContain('label_length');
    for (const table of tables) expect(fs.readFileSync(path.join(written.dir, table.file)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    // Restored into another database, at a newer version of the schema: migrated to the backup's migration, loaded, then migrated on.
    const restored = await restoreBackup([store(target, [first, later])], written.dir, {}, logger);
    expect(restored).toEqual({ databases: ['scratch'], rows: 6 });
    expect(await contents(target)).toEqual(before.map((row, index) => (index >= 3 && index < 5 ? row.replace(/\)$/, ',"after the backup")') : row)));
    const client = await connect(target);
    try {
      const parent = await client.query("INSERT INTO parents (label) VALUES ('new') RETURNING id::int, label_length");
      expect(parent.rows[0]).toEqual({ id: 4, label_length: 3 });
      const child = await client.query("INSERT INTO a_children (parent_id) VALUES (1) RETURNING seq::int");
      expect(child.rows[0].seq).toBe(4);
      const migrations = await client.query('SELECT name FROM mikro_orm_migrations ORDER BY id');
      expect(migrations.rows.map((row) => row.name)).toEqual([first.name, later.name]);
    } finally {
      await client.end();
    }
  });

  it('refuses a database with data unless forced, and a backup with a damaged file or without its manifest', async () => {
    const [latest] = await listBackups(backups);
    const dir = path.join(backups, latest.name);
    await expect(restoreBackup([store(target, [first, later])], dir, {}, logger)).rejects.toThrow(/not empty \(a_children, parents, seeded\)[\s\S]*--force/);
    await expect(restoreBackup([store(target, [later])], dir, { force: true }, logger)).rejects.toThrow(/migration Migration00000000000000_tricky, which this Herck does not have/);
    await expect(restoreBackup([store(target, [first])], dir, { force: true }, logger)).resolves.toEqual({ databases: ['scratch'], rows: 6 });

    const damaged = path.join(backups, 'damaged');
    fs.cpSync(dir, damaged, { recursive: true });
    const file = path.join(damaged, 'scratch', 'parents.ndjson.gz');
    fs.truncateSync(file, fs.statSync(file).size - 4);
    await expect(readManifest(damaged)).rejects.toThrow(BackupError);
    fs.rmSync(path.join(damaged, 'manifest.json'));
    await expect(restoreBackup([store(target, [first])], damaged, { force: true }, logger)).rejects.toThrow(/no manifest\.json/);
  });

  it('refuses a backup whose file was changed in place (its size unchanged) before dropping anything', async () => {
    const [latest] = await listBackups(backups);
    const changed = path.join(backups, 'changed-in-place');
    fs.cpSync(path.join(backups, latest.name), changed, { recursive: true });
    const file = path.join(changed, 'scratch', 'parents.ndjson.gz');
    const bytes = fs.readFileSync(file);
    // Four bytes in the middle of the deflate stream: the manifest's sizes still match.
    const middle = Math.floor(bytes.length / 2);
    for (let i = middle; i < middle + 4; i += 1) bytes[i] = bytes[i]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const before = await contents(target);
    await expect(restoreBackup([store(target, [first])], changed, { force: true }, logger)).rejects.toThrow(/nothing was restored: scratch\/parents\.ndjson\.gz .*damaged/);
    // The database was neither dropped nor emptied.
    expect(await contents(target)).toEqual(before);
  });

  it('changes no database when a value its files carry cannot be loaded after all, and leaves nothing of its own behind', async () => {
    // Two stores: the first loads, the second holds a value PostgreSQL refuses.
    const written = await writeBackup([store(source), { ...store(source), name: 'second' }], backups, logger);
    const refused = path.join(backups, 'refused-value');
    fs.cpSync(written.dir, refused, { recursive: true });
    // A date PostgreSQL refuses, the file and the manifest's size kept consistent: every check before the load passes.
    const file = path.join(refused, 'second', 'parents.ndjson.gz');
    const rewritten = zlib.gzipSync(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').replace('2028-02-29', '2028-02-30'));
    fs.writeFileSync(file, rewritten);
    const manifestFile = path.join(refused, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { databases: { tables: { file: string; bytes: number }[] }[] };
    for (const table of manifest.databases.flatMap((database) => database.tables)) if (table.file === 'second/parents.ndjson.gz') table.bytes = rewritten.length;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));

    await setRow(target, 'seeded', 'seed', 'before the failed restore');
    const before = await contents(target);
    const stores = [store(target), { ...store(second), name: 'second' }];
    await expect(restoreBackup(stores, refused, { force: true }, logger)).rejects.toThrow(
      /^nothing was restored: second could not be loaded \(.*2028-02-30.*\); every database is as it was\.$/,
    );
    // The first store's database was loaded beside the target, never in its place.
    expect(await contents(target)).toEqual(before);
    expect(await existingDatabases([second, ...[target, second].flatMap((database) => Object.values(restoreDatabasesFor(database)))])).toEqual([]);

    // The sound backup then replaces both, and nothing of the restore's own stays on the server.
    await expect(restoreBackup(stores, written.dir, { force: true }, logger)).resolves.toEqual({ databases: ['scratch', 'second'], rows: 12 });
    expect(await contents(target)).toEqual(await contents(source));
    expect(await contents(second)).toEqual(await contents(source));
    expect(await existingDatabases([target, second].flatMap((database) => Object.values(restoreDatabasesFor(database))))).toEqual([]);
    fs.rmSync(refused, { recursive: true });
  });

  it('puts the loaded databases in place all at once or not at all', async () => {
    const { staging: stagedTarget } = restoreDatabasesFor(target);
    const { staging: stagedSecond } = restoreDatabasesFor(second);
    for (const database of [stagedTarget, stagedSecond]) await ensureDatabase(serverUrl, database);
    const before = { target: await contents(target), second: await contents(second) };
    // Someone connected to the second database since the restore's checks: it cannot be renamed, so neither is the first.
    const holder = await connect(second);
    try {
      await expect(swapInRestored(serverUrl, [target, second], logger)).rejects.toThrow(/^nothing was restored: the restored databases could not take their places \(.*being accessed by other users.*\); every database is as it was/);
    } finally {
      await holder.end();
    }
    expect({ target: await contents(target), second: await contents(second) }).toEqual(before);
    expect(await existingDatabases([stagedTarget, stagedSecond])).toEqual([stagedTarget, stagedSecond].sort());
    await dropRestoreLeftovers(serverUrl, [target, second]);
  });

  it('migrates a subgraph store with the very migrations, in the same order, as openSubgraphStore', async () => {
    const own = { entities: [], migrations: [first] };
    const config = { serverUrl, databaseName: subgraph, databaseUrl: databaseUrl(serverUrl, subgraph) } as SubgraphConfig;
    const orm = await openSubgraphStore(config, logger, own);
    try {
      const applied = await orm.em.fork().execute<{ name: string }[]>('SELECT name FROM mikro_orm_migrations ORDER BY id');
      expect(applied.map((row) => row.name)).toEqual(subgraphStoreSchema(own).migrations.map((migration) => migration.name));
    } finally {
      await orm.close();
    }
  });
});
