import { parseArgs, ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

/**
 * The command line read by node:util's `parseArgs`; what it cannot read (an unknown option, a
 * missing value) is a UsageError ending with how the command is used, as every command's own
 * checks of its arguments are.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError([`${(error as Error).message}: ${usage}`]);
  }
}
