import { openServiceLogger, runProcess } from '@herck/common';
import { readAnalysisConfig } from './env';
import { startAnalysisService } from './server';

runProcess('analysis', async (opened) => {
  const config = readAnalysisConfig();
  const { logger, shipper } = opened(openServiceLogger('analysis', config));
  const service = await startAnalysisService(config, logger);
  return { logger, shipper, stop: () => service.stop() };
});
