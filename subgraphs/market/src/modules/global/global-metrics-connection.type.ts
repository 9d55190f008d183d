import { connectionType } from '../paging/connection.type';
import { GlobalMetrics } from './global-metrics.type';

export const GlobalMetricsConnection = connectionType(GlobalMetrics, 'GlobalMetrics', 'round of global metrics');
