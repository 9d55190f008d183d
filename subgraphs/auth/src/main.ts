import { Logger, runProcess } from '@herck/common';
import { readAuthConfig } from './env';
import { startAuthService } from './server';

runProcess('auth', async () => {
  const config = readAuthConfig();
  const logger = new Logger('auth', config.logLevel);
  const service = await startAuthService(config, logger);
  return { logger, stop: () => service.stop() };
});
