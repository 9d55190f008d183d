import { Logger, runProcess } from '@herck/common';
import { readAnalysisConfig } from './env';
import { startAnalysisService } from './server';

runProcess('analysis', async () => {
  const config = readAnalysisConfig();
  const logger = new Logger('analysis', config.logLevel);
  const service = await startAnalysisService(config, logger);
  return { logger, stop: () => service.stop() };
});
