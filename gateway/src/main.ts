import cluster from 'node:cluster';
import { ConfigError, Logger, openServiceLogger, runProcess } from '@herck/common';
import { runGatewayWorkers } from './cluster/gateway-workers';
import { GatewayConfig, readGatewayConfig } from './env';
import { startGateway } from './server';

function readConfig(): GatewayConfig {
  try {
    return readGatewayConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`gateway: ${error.message}`);
    process.exit(1);
  }
}

const config = readConfig();
if (cluster.isPrimary && config.workers > 1) {
  // This process only supervises the workers, each of which serves the port with the same configuration.
  runGatewayWorkers(config.workers, new Logger('gateway', config.logLevel));
} else {
  runProcess('gateway', async (opened) => {
    const { logger, shipper } = opened(openServiceLogger('gateway', config));
    // Status samples are records for logs' status history: shipped at info whatever LOG_LEVEL.
    const records = shipper ? new Logger('gateway', 'info', {}, shipper.sink) : logger;
    const gateway = await startGateway(config, logger, records);
    return { logger, shipper, stop: () => gateway.stop() };
  });
}
