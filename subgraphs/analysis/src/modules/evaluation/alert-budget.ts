import { EntityManager } from '@mikro-orm/postgresql';
import { deleteOlderThan, Logger } from '@herck/common';
import { TriggerMode } from '../strategy/trigger-mode';
import type { Firing } from './strategy-engine';

const HOUR_MS = 3_600_000;
/**
 * How long what was spent is kept, by the firings' own time, as the budget is read: until the newest
 * firing stored is a day past it. Events are read in order, so a round counts back from its own time
 * to no firing older than that (the hour, with room for rounds a little out of order), however late it
 * is written: after an outage a backlog a day old is counted as in full as a live round. Wall-clock time
 * forgot that backlog's hour while it was read (a round 23 h late counted less than it should). By the
 * newest firing of any account, not by each account's own: an account that stops firing, or has ONCE
 * strategies only, has no next round of its own.
 */
const SPENT_KEPT_MS = 24 * HOUR_MS;

/**
 * What one write may still store of its accounts' alert budgets: at most `perHour` alerts per
 * account within the hour before the newest firing (event time, as alerts are dated), counted in the
 * store so every replica and a restart agree (`alert_budget_spent`, written with each alert by writeOutcomes). A strategy watches up to 20 symbols with no cooldown,
 * and a condition that flips at every tick stored an alert, a notification, a webhook and a mail for
 * each: one account could write millions of rows a day. A ONCE strategy fires once and is never held
 * back. The strategy's state moves on all the same (a cooldown counts an alert held back).
 *
 * Only what is stored spends it (`spend`, once the alert is written): counted when allowed, a firing the
 * writer then dropped (its strategy switched off or deleted meanwhile, its alert stored by an earlier
 * write) held back another firing the budget had room for.
 */
export class AlertBudget {
  private readonly counted: Map<string, number>;
  private readonly heldBack = new Map<string, number>();

  private constructor(
    private readonly perHour: number,
    private readonly before: Map<string, number>,
    private readonly logger?: Logger,
  ) {
    this.counted = new Map(before);
  }

  /**
   * What the accounts of `firings` spent within the hour before the newest of them (nothing is read
   * without a budget or a firing). Read for the accounts of ONCE firings too: never held back, they
   * spend it all the same, and the warning needs what was spent before (read as nothing, a write of
   * ONCE firings only warned again for an account whose budget ran out long before, or not at all
   * when such a firing spent its last alert).
   */
  static async read(em: EntityManager, firings: Firing[], perHour: number, logger?: Logger): Promise<AlertBudget> {
    if (!Number.isFinite(perHour) || !firings.length) return new AlertBudget(perHour, new Map(), logger);
    const owners = [...new Set(firings.map((firing) => firing.strategy.ownerId))];
    // A reduce, not Math.max(...spread): a round of many strategies' firings would overflow the call stack.
    const newest = firings.reduce((latest, firing) => Math.max(latest, firing.at.getTime()), Number.NEGATIVE_INFINITY);
    // Counted from what was spent, not from `alerts`: those go with their strategy, and deleting the
    // strategies that spent the hour's budget gave it back (forgetOld forgets it a day later).
    const rows = await em.execute<{ owner_id: string; alerts: number }[]>(
      `SELECT owner_id, count(*)::int AS alerts FROM alert_budget_spent
        WHERE owner_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND triggered_at > ? GROUP BY owner_id`,
      [JSON.stringify(owners), new Date(newest - HOUR_MS)],
    );
    return new AlertBudget(perHour, new Map(rows.map((row) => [row.owner_id, row.alerts])), logger);
  }

  /** Forgets, for every account, what was spent a day before the newest firing stored, or now if that is earlier (housekeeping); returns how many rows. */
  static async forgetOld(em: EntityManager): Promise<number> {
    // Never later than now: one firing stamped ahead (a market clock set forward) must not forget every account's hour.
    const [{ newest }] = await em.execute<[{ newest: Date | null }]>('SELECT least(max(triggered_at), now()) AS newest FROM alert_budget_spent');
    if (newest === null) return 0;
    return deleteOlderThan(em, 'alert_budget_spent', 'triggered_at', new Date(new Date(newest).getTime() - SPENT_KEPT_MS));
  }

  /** Whether the firing may be stored: a ONCE strategy's always, another while its account has alerts left. */
  allows(firing: Firing): boolean {
    if (firing.strategy.trigger === TriggerMode.ONCE) return true;
    const owner = firing.strategy.ownerId;
    if ((this.counted.get(owner) ?? 0) < this.perHour) return true;
    this.heldBack.set(owner, (this.heldBack.get(owner) ?? 0) + 1);
    return false;
  }

  /** The firing's alert was stored: one of its account's alerts of the hour is spent (a ONCE one's too, as the store counts it). */
  spend(firing: Firing): void {
    const owner = firing.strategy.ownerId;
    this.counted.set(owner, (this.counted.get(owner) ?? 0) + 1);
  }

  /**
   * Warns of the accounts whose budget this write spent: in the round that spends it (its last alert may
   * end the round, none held back yet: a strategy of one symbol fires once a round), not at every round it
   * stays spent; again only if it ran out again.
   */
  reportSpent(): void {
    for (const [owner, alerts] of this.counted) {
      if ((this.before.get(owner) ?? 0) < this.perHour && alerts >= this.perHour) {
        this.logger?.warn('alerts held back from now on: the account reached ALERTS_PER_ACCOUNT_PER_HOUR', { owner, heldBack: this.heldBack.get(owner) ?? 0, perHour: this.perHour });
      }
    }
  }
}
