import { openServiceLogger, runProcess } from '@herck/common';
import { readAuthConfig } from './env';
import { startAuthService } from './server';

runProcess('auth', async () => {
  const config = readAuthConfig();
  const { logger, shipper } = openServiceLogger('auth', config);
  const service = await startAuthService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
