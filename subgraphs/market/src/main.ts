import { openServiceLogger, runProcess } from '@herck/common';
import { readMarketConfig } from './env';
import { startMarketService } from './server';

runProcess('market', async (opened) => {
  const config = readMarketConfig();
  const { logger, shipper } = opened(openServiceLogger('market', config));
  const service = await startMarketService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
