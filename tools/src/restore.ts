import { Logger } from '@herck/common';
import { restoreHerck } from './backup-runner';
import { embeddedDatabaseIfNeeded } from './embedded-database';
import { failed } from './backup-failure';
import { parseCommandLine } from './command-line';
import { UsageError } from './usage-error';

const USAGE = 'npm run restore -- <backup folder or name> [--force]';

/**
 * `npm run restore -- <dir>`: the backup into this installation, which must
 * be stopped and empty (`--force` replaces what it holds); migrations then
 * bring the restored databases up to date.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine({ options: { force: { type: 'boolean', default: false } }, allowPositionals: true, args: process.argv.slice(2) }, USAGE);
  if (positionals.length !== 1) throw new UsageError([`name one backup: ${USAGE}`]);
  const logger = new Logger('restore', 'info');
  const database = await embeddedDatabaseIfNeeded(process.env);
  try {
    const { dir, databases, rows } = await restoreHerck(process.env, positionals[0], { force: values.force }, logger);
    console.log(`Restored ${databases.join(', ')} (${rows} rows) from ${dir}. Start Herck with npm start.`);
  } finally {
    await database?.stop();
  }
}

main().catch(failed('restore'));
