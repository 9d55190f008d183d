import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';
import { TriggerMode } from '../strategy/trigger-mode';
import type { Firing } from './strategy-engine';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The firings of one write that their accounts' alert budgets allow: at most `perHour` alerts per
 * account within the hour before the newest firing (event time, as alerts are dated), counted in the
 * store so every replica and a restart agree (`alert_budget_spent`, written with each alert by writeOutcomes). A strategy watches up to 20 symbols with no cooldown,
 * and a condition that flips at every tick stored an alert, a notification, a webhook and a mail for
 * each: one account could write millions of rows a day. A ONCE strategy fires once and is never held
 * back. The strategy's state moves on all the same (a cooldown counts an alert held back).
 */
export async function withinAlertBudget(em: EntityManager, firings: Firing[], perHour: number, logger?: Logger): Promise<Firing[]> {
  const budgeted = firings.filter((firing) => firing.strategy.trigger !== TriggerMode.ONCE);
  if (!budgeted.length) return firings;
  const owners = [...new Set(budgeted.map((firing) => firing.strategy.ownerId))];
  // A reduce, not Math.max(...spread): a round of many strategies' firings would overflow the call stack.
  const newest = budgeted.reduce((latest, firing) => Math.max(latest, firing.at.getTime()), Number.NEGATIVE_INFINITY);
  // Counted from what was spent, not from `alerts`: those go with their strategy, and deleting the
  // strategies that spent the hour's budget gave it back. What is a day older than this round is forgotten
  // (an event is not delivered a day late; the table stays a day of each account's alerts).
  await em.execute('DELETE FROM alert_budget_spent WHERE owner_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND triggered_at < ?', [
    JSON.stringify(owners),
    new Date(newest - DAY_MS),
  ]);
  const rows = await em.execute<{ owner_id: string; alerts: number }[]>(
    `SELECT owner_id, count(*)::int AS alerts FROM alert_budget_spent
      WHERE owner_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND triggered_at > ? GROUP BY owner_id`,
    [JSON.stringify(owners), new Date(newest - HOUR_MS)],
  );
  const before = new Map(rows.map((row) => [row.owner_id, row.alerts]));
  const counted = new Map(before);
  const heldBack = new Map<string, number>();
  const allowed = firings.filter((firing) => {
    if (firing.strategy.trigger === TriggerMode.ONCE) return true;
    const owner = firing.strategy.ownerId;
    const alerts = counted.get(owner) ?? 0;
    if (alerts < perHour) {
      counted.set(owner, alerts + 1);
      return true;
    }
    heldBack.set(owner, (heldBack.get(owner) ?? 0) + 1);
    return false;
  });
  // In the round that spends the budget (its last alert may end the round, none held back yet: a strategy of
  // one symbol fires once a round), not at every round it stays spent; again only if it ran out again.
  for (const [owner, alerts] of counted) {
    if ((before.get(owner) ?? 0) < perHour && alerts >= perHour) {
      logger?.warn('alerts held back from now on: the account reached ALERTS_PER_ACCOUNT_PER_HOUR', { owner, heldBack: heldBack.get(owner) ?? 0, perHour });
    }
  }
  return allowed;
}
