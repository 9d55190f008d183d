import { Logger, runProcess } from '@herck/common';
import { readOrdersConfig } from './env';
import { startOrdersService } from './server';

runProcess('orders', async () => {
  const config = readOrdersConfig();
  const logger = new Logger('orders', config.logLevel);
  const service = await startOrdersService(config, logger);
  return { logger, stop: () => service.stop() };
});
