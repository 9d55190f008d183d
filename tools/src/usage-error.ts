import { parseArgs, ParseArgsConfig } from 'node:util';
import { ConfigError } from '@herck/common';

/** A bad command line: a ConfigError, reported as the arguments' fault rather than the environment's. */
export class UsageError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.message = `Invalid arguments:\n  ${problems.join('\n  ')}`;
  }
}

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
