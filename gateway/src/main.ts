import { openServiceLogger, runProcess } from '@herck/common';
import { readGatewayConfig } from './env';
import { startGateway } from './server';

runProcess('gateway', async () => {
  const config = readGatewayConfig();
  const { logger, shipper } = openServiceLogger('gateway', config);
  const gateway = await startGateway(config, logger);
  return { logger, shipper, stop: () => gateway.stop() };
});
