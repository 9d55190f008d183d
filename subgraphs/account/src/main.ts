import { openServiceLogger, runProcess } from '@herck/common';
import { readAccountConfig } from './env';
import { startAccountService } from './server';

runProcess('account', async (opened) => {
  const config = readAccountConfig();
  const { logger, shipper } = opened(openServiceLogger('account', config));
  const service = await startAccountService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
