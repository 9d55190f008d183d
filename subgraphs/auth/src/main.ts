import { openServiceLogger, runProcess } from '@herck/common';
import { readAuthConfig } from './env';
import { startAuthService } from './server';

runProcess('auth', async (opened) => {
  const config = readAuthConfig();
  const { logger, shipper } = opened(openServiceLogger('auth', config));
  const service = await startAuthService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
