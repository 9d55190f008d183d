import { openServiceLogger, runProcess } from '@herck/common';
import { readOrdersConfig } from './env';
import { startOrdersService } from './server';

runProcess('orders', async (opened) => {
  const config = readOrdersConfig();
  const { logger, shipper } = opened(openServiceLogger('orders', config));
  const service = await startOrdersService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
