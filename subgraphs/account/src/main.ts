import { Logger, runProcess } from '@herck/common';
import { readAccountConfig } from './env';
import { startAccountService } from './server';

runProcess('account', async () => {
  const config = readAccountConfig();
  const logger = new Logger('account', config.logLevel);
  const service = await startAccountService(config, logger);
  return { logger, stop: () => service.stop() };
});
