import path from 'node:path';
import { EnvReader } from './env-reader';
import { repositoryRoot } from './repository-root';

export type RuntimeMode = 'development' | 'production' | 'test';

/** Settings every Herck process shares. */
export interface BaseConfig {
  mode: RuntimeMode;
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Development state lives here: embedded database, generated keys, mail files. */
  dataDir: string;
  host: string;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`; unset, it is open. */
  metricsToken?: string;
}

export function readBaseConfig(env: EnvReader): BaseConfig {
  const mode = env.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  return {
    mode,
    production: mode === 'production',
    logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, mode === 'test' ? 'warn' : 'info'),
    dataDir: path.resolve(env.string('HERCK_DATA_DIR', path.join(repositoryRoot(), '.data'))),
    host: env.string('HOST', '127.0.0.1'),
    metricsToken: env.string('METRICS_TOKEN'),
  };
}
