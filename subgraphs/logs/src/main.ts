import { openServiceLogger, runProcess } from '@herck/common';
import { readLogsConfig } from './env';
import { startLogsService } from './server';

runProcess('logs', async () => {
  const config = readLogsConfig();
  const { logger, shipper } = openServiceLogger('logs', config);
  const service = await startLogsService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
