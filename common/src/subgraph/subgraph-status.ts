import fs from 'node:fs';
import path from 'node:path';
import type { BusConsumerStatus } from '../bus/bus-consumer';
import { repositoryRoot } from '../config/repository-root';
import { SUBGRAPHS } from './subgraph-catalog';

/** Where every subgraph reports its status to the gateway (internal token required). */
export const SUBGRAPH_STATUS_PATH = '/internal/status';

/** How the ingesting service's schedule is doing (market). */
export interface IngestionStatus {
  /** ISO time of the latest round held, or null before the first. */
  lastRoundAt: string | null;
  /** Scheduled rounds missed in the last hour. */
  gapsLastHour: number;
}

/** What a subgraph's own `status()` hook adds to its report. */
export interface SubgraphStatusExtras {
  ingestion?: IngestionStatus;
}

/** The body of `GET /internal/status`. */
export interface SubgraphStatusReport extends SubgraphStatusExtras {
  version: string;
  /** Its bus consumer; null for a service that consumes no events. */
  bus: BusConsumerStatus | null;
}

/** The version in the subgraph's workspace package.json (the root one's for a service outside the catalogue). */
export function packageVersion(name: string): string {
  const workspace = SUBGRAPHS.find((subgraph) => subgraph.name === name)?.workspace ?? '.';
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), workspace, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
