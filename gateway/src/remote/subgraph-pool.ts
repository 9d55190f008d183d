import { Agent } from 'undici';
import { GATEWAY_IDLE_CLOSE_MS } from '@herck/common';

/**
 * The keep-alive connections to every subgraph origin, shared by queries and subscriptions'
 * follow-up fetches. An idle one closes after GATEWAY_IDLE_CLOSE_MS whatever a subgraph's
 * Keep-Alive hint says, long before the subgraph would close it (see internal-keep-alive.ts).
 * A subgraph that takes a request and never answers fails the fetch after `timeoutMs`
 * (SUBGRAPH_TIMEOUT_MS; undici would wait 300 s).
 */
export function subgraphPool(timeoutMs: number): Agent {
  return new Agent({ keepAliveTimeout: GATEWAY_IDLE_CLOSE_MS, keepAliveMaxTimeout: GATEWAY_IDLE_CLOSE_MS, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}
