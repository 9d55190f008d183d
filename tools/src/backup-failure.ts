import { BackupError, ConfigError, Logger } from '@herck/common';

/**
 * How `npm run backup` and `npm run restore` end on an error: a JSON log line,
 * then one line for people — the message alone when it says what to do
 * (configuration, refusals), else what failed — and exit status 1.
 */
export function failed(command: 'backup' | 'restore'): (error: unknown) => never {
  return (error) => {
    // A bad command line is a ConfigError (UsageError): a refusal too, not a failure.
    const expected = error instanceof ConfigError || error instanceof BackupError;
    new Logger(command, 'info').error(`${command} failed`, { error: expected ? (error as Error).message : error });
    console.error(expected ? `${command} refused: ${(error as Error).message}` : `${command} failed: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  };
}
