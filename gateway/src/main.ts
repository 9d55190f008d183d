import { Logger, runProcess } from '@herck/common';
import { readGatewayConfig } from './env';
import { startGateway } from './server';

runProcess('gateway', async () => {
  const config = readGatewayConfig();
  const logger = new Logger('gateway', config.logLevel);
  const gateway = await startGateway(config, logger);
  return { logger, stop: () => gateway.stop() };
});
