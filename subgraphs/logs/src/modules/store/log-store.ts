/** The levels an entry may have, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type StoredLogLevel = (typeof LOG_LEVELS)[number];

/** One stored log line. */
export interface StoredLogEntry {
  id: string;
  time: Date;
  service: string;
  level: StoredLogLevel;
  message: string;
  requestId: string | null;
  /** Everything else the line carried. */
  fields: Record<string, unknown>;
  /** The size of the line as shipped: what thresholds count. */
  bytes: number;
}

/** What a search, a deletion or an export selects; every part narrows, an absent part does not. */
export interface LogSelection {
  services?: string[];
  levels?: StoredLogLevel[];
  from?: Date;
  to?: Date;
  text?: string;
  requestId?: string;
}

/** A position in the newest-first order (time, then id). */
export interface LogPosition {
  time: Date;
  id: string;
}

export interface LogStatRow {
  start: Date;
  service: string;
  level: StoredLogLevel;
  count: number;
}

export type LogBucket = 'minute' | 'hour' | 'day';

export interface ServiceUsage {
  service: string;
  bytes: number;
  entries: number;
}

export interface ArchiveRecord {
  fileName: string;
  service: string;
  from: Date;
  to: Date;
  entries: number;
  bytes: number;
  createdAt: Date;
}

export interface StatusSample {
  time: Date;
  fields: Record<string, unknown>;
}

/**
 * Where logs live: PostgreSQL (the default) or MongoDB. Both keep a per-service
 * usage total that changes in the same write as the entries, so thresholds are
 * checked without scanning.
 */
export interface LogStore {
  /** Stores entries and adds them to their services' usage, all or nothing. */
  insert(entries: StoredLogEntry[]): Promise<void>;
  /** Newest first, strictly after `after` in that order. */
  search(selection: LogSelection, limit: number, after?: LogPosition): Promise<StoredLogEntry[]>;
  stats(from: Date, to: Date, bucket: LogBucket): Promise<LogStatRow[]>;
  /** Deletes what the selection names; returns how many. */
  delete(selection: LogSelection): Promise<number>;
  usage(): Promise<ServiceUsage[]>;
  /** The oldest entries of a service, oldest first, after `after` in that order. */
  oldest(service: string, limit: number, after?: LogPosition): Promise<StoredLogEntry[]>;
  /** Deletes exactly these entries and records the archive that now holds them, all or nothing. */
  archived(service: string, ids: string[], archive: ArchiveRecord): Promise<void>;
  archives(): Promise<ArchiveRecord[]>;
  /** Entries of `service` with this message in a time range, oldest first, whose `fields[key]` equals `value`. */
  samples(service: string, message: string, key: string, value: string, from: Date, to: Date, limit: number): Promise<StatusSample[]>;
  close(): Promise<void>;
}

/** Entries and bytes per service: what a write adds to (or a deletion takes from) the usage totals. */
export function totalsByService(entries: StoredLogEntry[]): Map<string, { entries: number; bytes: number }> {
  const totals = new Map<string, { entries: number; bytes: number }>();
  for (const entry of entries) {
    const total = totals.get(entry.service) ?? { entries: 0, bytes: 0 };
    total.entries += 1;
    total.bytes += entry.bytes;
    totals.set(entry.service, total);
  }
  return totals;
}
