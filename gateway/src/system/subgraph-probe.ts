import {
  ANONYMOUS,
  BusConsumerStatus,
  IngestionStatus,
  InternalTokenSigner,
  INTERNAL_TOKEN_HEADER,
  SUBGRAPH_STATUS_PATH,
  SubgraphStatusReport,
} from '@herck/common';

/** One subgraph at one probe. */
export interface SubgraphProbe {
  name: string;
  url: string;
  healthy: boolean;
  ready: boolean;
  version: string | null;
  latencyMs: number | null;
  lastError: string | null;
  bus: BusConsumerStatus | null;
  ingestion: IngestionStatus | null;
}

/**
 * Asks one subgraph `GET /readyz` (readiness, timed) and, when it answered,
 * `GET /internal/status` with an internal token (version, bus, ingestion).
 */
export async function probeSubgraph(name: string, url: string, signer: InternalTokenSigner, timeoutMs: number, stopped: AbortSignal): Promise<SubgraphProbe> {
  const probe: SubgraphProbe = { name, url, healthy: false, ready: false, version: null, latencyMs: null, lastError: null, bus: null, ingestion: null };
  const started = performance.now();
  try {
    const readyz = await fetch(new URL('/readyz', url), { signal: AbortSignal.any([stopped, AbortSignal.timeout(timeoutMs)]) });
    await readyz.arrayBuffer();
    probe.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    probe.ready = readyz.ok;
    if (!readyz.ok) probe.lastError = `/readyz answered ${readyz.status}`;
  } catch (error) {
    probe.lastError = `/readyz: ${reason(error, timeoutMs)}`;
    return probe;
  }
  try {
    const response = await fetch(new URL(SUBGRAPH_STATUS_PATH, url), {
      headers: { [INTERNAL_TOKEN_HEADER]: signer.sign(ANONYMOUS, name) },
      signal: AbortSignal.any([stopped, AbortSignal.timeout(timeoutMs)]),
    });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    const report = (await response.json()) as SubgraphStatusReport;
    probe.version = typeof report.version === 'string' ? report.version : null;
    probe.bus = report.bus ?? null;
    probe.ingestion = report.ingestion ?? null;
  } catch (error) {
    probe.lastError ??= `${SUBGRAPH_STATUS_PATH}: ${reason(error, timeoutMs)}`;
  }
  probe.healthy = probe.ready && probe.lastError === null;
  return probe;
}

/** fetch says "fetch failed" and puts the network's reason (ECONNREFUSED, …) in `cause`. */
function reason(error: unknown, timeoutMs: number): string {
  // By shape, not class: errors made in another realm (a VM context, as under jest) fail instanceof.
  const { name, message, cause } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; cause?: { message?: unknown } };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (typeof cause?.message === 'string') return cause.message;
  return typeof message === 'string' ? message : String(error);
}
