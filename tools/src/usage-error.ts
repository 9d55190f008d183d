import { ConfigError } from '@herck/common';

/** A bad command line: a ConfigError, reported as the arguments' fault rather than the environment's. */
export class UsageError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.message = `Invalid arguments:\n  ${problems.join('\n  ')}`;
  }
}
