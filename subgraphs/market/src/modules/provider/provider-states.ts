import { EntityManager } from '@mikro-orm/postgresql';
import { ProviderStatus } from './provider-status.type';

interface ProviderRow {
  name: string;
  enabled: boolean;
  last_success_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  retry_after: string | null;
}

export interface ProviderOutcome {
  name: string;
  /** Absent when the provider answered. */
  error?: string;
  retryAfterSeconds?: number | null;
  /** How long into the round the failure came: Retry-After counts from the answer, not from the round's start. */
  failedAfterMs?: number;
}

/** Whether a round may ask a provider, and when not, why not (in a gap's words). */
export type ProviderAvailability = { available: true } | { available: false; reason: string };

/** Why a provider an admin switched off sits a round out. */
export const DISABLED = 'disabled';

/** The configured providers' switches and health, kept in the market database so every replica agrees. */
export class ProviderStates {
  constructor(
    /** Provider names in priority order. */
    private readonly names: string[],
    private readonly intervalSeconds: number,
  ) {}

  /** Makes sure every configured provider has its row (enabled at first). */
  async register(em: EntityManager): Promise<void> {
    for (const name of this.names) await em.execute('INSERT INTO providers (name) VALUES (?) ON CONFLICT DO NOTHING', [name]);
  }

  /**
   * Which providers a round at `time` may ask (enabled, and not waiting out a
   * 429's Retry-After), and why each other one sits it out: a round without a
   * tick tells admins so in its gap. A provider without a row is absent.
   */
  async availabilityAt(em: EntityManager, time: Date): Promise<Map<string, ProviderAvailability>> {
    const rows = await em.execute<Pick<ProviderRow, 'name' | 'enabled' | 'retry_after'>[]>('SELECT name, enabled, retry_after FROM providers');
    return new Map(rows.map((row) => [row.name, availability(row, time)]));
  }

  async record(em: EntityManager, time: Date, outcomes: ProviderOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      if (outcome.error === undefined) {
        await em.execute('UPDATE providers SET last_success_at = ?, consecutive_failures = 0, retry_after = NULL WHERE name = ?', [time, outcome.name]);
      } else {
        // Retry-After counts whole seconds, and so does the answer's moment here: milliseconds past the
        // round's start would otherwise push the provider a whole round further back.
        const answeredAfterMs = Math.floor((outcome.failedAfterMs ?? 0) / 1000) * 1000;
        const retryAfter = outcome.retryAfterSeconds ? new Date(time.getTime() + answeredAfterMs + outcome.retryAfterSeconds * 1000) : null;
        await em.execute(
          'UPDATE providers SET last_error = ?, last_error_at = ?, consecutive_failures = consecutive_failures + 1, retry_after = ? WHERE name = ?',
          [outcome.error.slice(0, 1000), time, retryAfter, outcome.name],
        );
      }
    }
  }

  /** Returns the provider after the change, or null when it is not configured. */
  async setEnabled(em: EntityManager, name: string, enabled: boolean): Promise<ProviderStatus | null> {
    // A row left from an earlier MARKET_PROVIDERS is refused untouched: it would come back disabled once listed again.
    if (!this.names.includes(name)) return null;
    // The row as this update left it: read back separately, a simultaneous call's value could answer this one.
    const rows = await em.execute<ProviderRow[]>('UPDATE providers SET enabled = ? WHERE name = ? RETURNING *', [enabled, name]);
    return this.statuses(rows).find((status) => status.name === name) ?? null;
  }

  async list(em: EntityManager, now = new Date()): Promise<ProviderStatus[]> {
    return this.statuses(await em.execute<ProviderRow[]>('SELECT * FROM providers'), now);
  }

  private statuses(rows: ProviderRow[], now = new Date()): ProviderStatus[] {
    const intervalMs = this.intervalSeconds * 1000;
    const nextRound = new Date(Math.floor(now.getTime() / intervalMs) * intervalMs + intervalMs);
    return this.names.flatMap((name, priority) => {
      const row = rows.find((candidate) => candidate.name === name);
      if (!row) return [];
      const retryAfter = row.retry_after ? new Date(row.retry_after) : null;
      return [
        {
          name,
          enabled: row.enabled,
          priority,
          intervalSeconds: this.intervalSeconds,
          lastSuccessAt: row.last_success_at ? new Date(row.last_success_at) : null,
          lastError: row.last_error,
          // Rounds start on boundaries: after a Retry-After, the first boundary it allows.
          nextRunAt: !row.enabled ? null : retryAfter && retryAfter > nextRound ? new Date(Math.ceil(retryAfter.getTime() / intervalMs) * intervalMs) : nextRound,
          consecutiveFailures: row.consecutive_failures,
        },
      ];
    });
  }
}

function availability(row: Pick<ProviderRow, 'enabled' | 'retry_after'>, time: Date): ProviderAvailability {
  if (!row.enabled) return { available: false, reason: DISABLED };
  const retryAfter = row.retry_after ? new Date(row.retry_after) : null;
  if (retryAfter && retryAfter > time) return { available: false, reason: `waiting for Retry-After until ${retryAfter.toISOString()}` };
  return { available: true };
}
