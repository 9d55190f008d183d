import { SubgraphContext } from '@herck/common';

export type LogsContext = SubgraphContext;

export function createLogsContext(base: SubgraphContext): LogsContext {
  return base;
}
