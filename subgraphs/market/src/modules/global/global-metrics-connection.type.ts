import { connectionType } from '@herck/common';
import { GlobalMetrics } from './global-metrics.type';

export const GlobalMetricsConnection = connectionType(GlobalMetrics, 'GlobalMetrics', 'round of global metrics', 'rounds of global metrics');
