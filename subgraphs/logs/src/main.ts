import { openServiceLogger, runProcess } from '@herck/common';
import { readLogsConfig } from './env';
import { startLogsService } from './server';

runProcess('logs', async (opened) => {
  const config = readLogsConfig();
  const { logger, shipper } = opened(openServiceLogger('logs', config));
  const service = await startLogsService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
