import { Logger, runProcess } from '@herck/common';
import { readMarketConfig } from './env';
import { startMarketService } from './server';

runProcess('market', async () => {
  const config = readMarketConfig();
  const logger = new Logger('market', config.logLevel);
  const service = await startMarketService(config, logger);
  return { logger, stop: () => service.stop() };
});
