import { Logger } from '@herck/common';
import { backUpHerck } from './backup-runner';
import { embeddedDatabaseIfNeeded } from './embedded-database';
import { failed } from './backup-failure';
import { parseCommandLine } from './command-line';

/**
 * `npm run backup`: one consistent, compressed backup of every store under
 * `BACKUP_DIR`, with the platform running or stopped (then the embedded
 * PostgreSQL is started for the time it takes). No pg_dump needed.
 */
async function main(): Promise<void> {
  parseCommandLine({ options: {}, args: process.argv.slice(2) }, 'npm run backup');
  const logger = new Logger('backup', 'info');
  const database = await embeddedDatabaseIfNeeded(process.env);
  try {
    const { dir, manifest, pruned } = await backUpHerck(process.env, logger);
    const rows = manifest.databases.reduce((sum, db) => sum + db.tables.reduce((n, table) => n + table.rows, 0), 0);
    console.log(`Backup of ${manifest.databases.map((db) => db.name).join(', ')} (${rows} rows) written to ${dir}${pruned.length ? `; ${pruned.length} older backup(s) deleted` : ''}.`);
  } finally {
    await database?.stop();
  }
}

main().catch(failed('backup'));
