import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import Decimal from 'decimal.js';
import { Logger } from '@herck/common';
import { signalOf, StrategyDefinition } from './strategy-definition';
import { EvaluationOutcome, Firing } from './strategy-engine';
import { ALERT_CHANNEL } from '../alert/alert-channel';
import { AlertBudget } from './alert-budget';

/** How each firing is announced besides the alert itself (read from the strategy row when the alert is written). */
interface Channels {
  notify_in_app: boolean;
  notify_email: boolean;
  webhook_url: string | null;
  trigger: string;
  enabled: boolean;
}

/**
 * Stores what one event's evaluations produced (one outcome per symbol of a round) in the
 * consumer's transaction. The strategies concerned are locked first, in id order, before any
 * of their rows is written: an edit of a strategy locks it, then changes its states, so taking
 * them in the other order (a state of BTC, then the strategy for ETH's alert) could deadlock
 * with the edit and fail it, or the round.
 */
export async function writeOutcomes(em: EntityManager, outcomes: EvaluationOutcome[], logger?: Logger, alertsPerAccountPerHour = Number.POSITIVE_INFINITY): Promise<void> {
  const written = new Set(outcomes.flatMap(strategiesWritten));
  const touched = [...written, ...(await withErrorStored(em, outcomes, written))].sort();
  // One JSON parameter, however many strategies a round touches (a list would take one parameter each, at most 65,535).
  const rows = touched.length
    ? await em.execute<SignalRow[]>(
        'SELECT id, symbols, interval, indicators, condition, trigger, generation FROM strategies WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) ORDER BY id FOR NO KEY UPDATE',
        [JSON.stringify(touched)],
      )
    : [];
  const signals = new Map(rows.map((row) => [row.id, signalOf(row)]));
  // A firing of the strategy as it stood before an edit of its signal, or a switch-off and on again, made
  // between this evaluation and this write, is no alert of the strategy now: not stored, sent, nor budgeted
  // (a ONCE one would switch the strategy, on again, off).
  const current = (firing: Firing) => signals.get(firing.strategy.id) === signalOf(firing.strategy);
  const firings = outcomes.flatMap((outcome) => outcome.firings).filter(current);
  const budget = await AlertBudget.read(em, firings, alertsPerAccountPerHour, logger);
  for (const outcome of outcomes) await writeOutcome(em, outcome, current, signals, budget);
  budget.reportSpent();
  await writeRunTimeErrors(em, outcomes, signals, logger);
}

/** What a strategy's signal is made of, as stored. */
type SignalRow = Pick<StrategyDefinition, 'id' | 'symbols' | 'interval' | 'indicators' | 'condition' | 'trigger' | 'generation'>;

/** The strategies whose rows the outcome writes: alerts, states, errors. */
function strategiesWritten({ firings, states, errors }: EvaluationOutcome): string[] {
  return [...firings.map((firing) => firing.strategy.id), ...states.map((state) => state.strategyId), ...errors.map((error) => error.strategyId)];
}

/** Above this many strategies to look up, every stored error is read instead: sending 10,000 ids cost more than the read. */
const ERRORS_LOOKED_UP_BY_ID = 1_000;

/**
 * Of the strategies that evaluate again and have nothing else written, those with an error stored: the
 * only ones whose recovery writes anything. After a full load every strategy's first evaluation recovers
 * (EngineLoader.loadAllNow), and locking all of them to clear what few errors there were cost a round of
 * 10,000 strategies 230–490 ms. Read without a lock: errors are written by the evaluating consumer alone,
 * a batch at a time, so one written by a round before this one has committed (the race of that load).
 */
async function withErrorStored(em: EntityManager, outcomes: EvaluationOutcome[], written: Set<string>): Promise<string[]> {
  const recoveredOnly = new Set(outcomes.flatMap((outcome) => outcome.recovered.map((recovery) => recovery.strategyId)).filter((id) => !written.has(id)));
  if (!recoveredOnly.size) return [];
  const rows =
    recoveredOnly.size <= ERRORS_LOOKED_UP_BY_ID
      ? await em.execute<{ id: string }[]>('SELECT id FROM strategies WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND last_error IS NOT NULL', [JSON.stringify([...recoveredOnly])])
      : await em.execute<{ id: string }[]>('SELECT id FROM strategies WHERE last_error IS NOT NULL');
  return rows.map((row) => row.id).filter((id) => recoveredOnly.has(id));
}

/**
 * Alerts (one per strategy, symbol and moment: a redelivered event adds nothing),
 * their notifications and deliveries, and changed states.
 * Each new alert is announced on commit (NOTIFY) so every replica publishes it.
 */
async function writeOutcome(em: EntityManager, outcome: EvaluationOutcome, current: (firing: Firing) => boolean, signals: Map<string, string>, budget: AlertBudget): Promise<void> {
  // The firings that start no cooldown: of a strategy edited or switched off since, or stored before.
  const unstored = new Set<string>();
  for (const firing of outcome.firings) {
    const key = stateKey(firing.strategy.id, firing.symbol);
    if (!current(firing)) unstored.add(key);
    else if (budget.allows(firing)) {
      // Only an alert stored spends the budget: one the writer drops leaves room for the next firing.
      if (await writeFiring(em, firing)) budget.spend(firing);
      else unstored.add(key);
    }
    // One held back by the budget stores no alert, but its cooldown counts, as in the running engine: the
    // time it fired is stored with its state, so a restart or a reload holds back what the engine would.
  }
  for (const { strategyId, symbol, state: evaluated, signal } of outcome.states) {
    // An edit of its signal, or a switch-off and on again (a new generation), made between this evaluation
    // and this write (it held the strategy's lock), started it afresh: what held under the old signal says nothing of the new one (it would hold the
    // new one's first alert back). Its cooldown still counts: the time it last fired is kept.
    const state = signals.get(strategyId) === signal ? evaluated : { ...evaluated, holds: false };
    // A firing dropped (not one held back) starts no cooldown: the time the strategy last fired stays as stored.
    const fired = !unstored.has(stateKey(strategyId, symbol));
    await em.execute(
      `INSERT INTO strategy_states (strategy_id, symbol, holds, last_fired_at) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM strategies WHERE id = ?)
       ON CONFLICT (strategy_id, symbol) DO UPDATE SET holds = excluded.holds${fired ? ', last_fired_at = excluded.last_fired_at' : ''}`,
      [strategyId, symbol, state.holds, !fired || state.lastFiredAt === null ? null : new Date(state.lastFiredAt), strategyId],
    );
  }
}

const stateKey = (strategyId: string, symbol: string) => `${strategyId}|${symbol}`;

/**
 * Run-time errors raised or cleared: the round's last word on each strategy stands (an error for one
 * symbol after another evaluated again). Clearing is one statement and touches only a stored error: after
 * a full load every strategy's first evaluation that fails for no symbol clears (EngineLoader.loadAllNow);
 * one not locked (no error stored: withErrorStored) has no signal here and is left alone.
 */
async function writeRunTimeErrors(em: EntityManager, outcomes: EvaluationOutcome[], signals: Map<string, string>, logger?: Logger): Promise<void> {
  const lastWord = new Map<string, string | null>();
  for (const { errors, recovered } of outcomes) {
    for (const { strategyId, message, signal } of errors) {
      // The failure of a condition since edited away (the edit cleared lastError) is no error of the strategy now.
      if (signals.get(strategyId) !== signal) continue;
      logger?.warn('strategy condition failed', { strategy: strategyId, error: message });
      lastWord.set(strategyId, message);
    }
    // Likewise: an edit since cleared the error; one the new condition raised is not the old one's to clear.
    for (const { strategyId, signal } of recovered) if (signals.get(strategyId) === signal) lastWord.set(strategyId, null);
  }
  const cleared: string[] = [];
  for (const [strategyId, message] of lastWord) {
    if (message === null) cleared.push(strategyId);
    else await em.execute('UPDATE strategies SET last_error = ?, last_error_at = now() WHERE id = ?', [message.slice(0, 500), strategyId]);
  }
  if (!cleared.length) return;
  const rows = await em.execute<{ id: string }[]>(
    'UPDATE strategies SET last_error = NULL, last_error_at = NULL WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND last_error IS NOT NULL RETURNING id',
    [JSON.stringify(cleared)],
  );
  for (const { id } of rows) logger?.info('strategy condition evaluates again', { strategy: id });
}

/** Stores the firing's alert, notification and deliveries; false when nothing was stored (strategy off or gone, alert stored before). */
async function writeFiring(em: EntityManager, firing: Firing): Promise<boolean> {
  const [strategy] = await em.execute<Channels[]>('SELECT notify_in_app, notify_email, webhook_url, trigger, enabled FROM strategies WHERE id = ?', [firing.strategy.id]);
  if (!strategy?.enabled) return false;
  const id = randomUUID();
  const price = firing.exactPrice !== undefined ? new Decimal(firing.exactPrice).toFixed() : new Decimal(firing.price).toSignificantDigits(15).toFixed();
  const message = `${firing.strategy.name}: ${firing.symbol} at ${price} USD (${firing.strategy.condition})`;
  // Recorded as spent from the owner's alert budget too (alert-budget.ts): that record outlives the strategy.
  const inserted = await em.execute<{ id: string }[]>(
    `WITH inserted AS (
       INSERT INTO alerts (id, strategy_id, owner_id, symbol, triggered_at, price, values, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (strategy_id, symbol, triggered_at) DO NOTHING RETURNING id, owner_id, triggered_at
     ), spent AS (INSERT INTO alert_budget_spent (owner_id, triggered_at) SELECT owner_id, triggered_at FROM inserted)
     SELECT id FROM inserted`,
    [id, firing.strategy.id, firing.strategy.ownerId, firing.symbol, firing.at, price, JSON.stringify(firing.values), message],
  );
  if (!inserted.length) return false;
  if (strategy.notify_in_app) {
    // Goes with the strategy, as the alert does (one cascade for a strategy's deletion, not one per alert).
    await em.execute('INSERT INTO notifications (id, owner_id, alert_id, strategy_id, message, created_at) VALUES (?, ?, ?, ?, ?, now())', [
      randomUUID(),
      firing.strategy.ownerId,
      id,
      firing.strategy.id,
      message,
    ]);
  }
  if (strategy.webhook_url) {
    const body = JSON.stringify({ type: 'alert', alert: { id, strategyId: firing.strategy.id, strategyName: firing.strategy.name, symbol: firing.symbol, triggeredAt: firing.at.toISOString(), price, values: firing.values, message } });
    await insertDelivery(em, 'webhook', id, firing.strategy.id, strategy.webhook_url, body);
  }
  if (strategy.notify_email) {
    const mail = { subject: `Herck alert: ${firing.strategy.name} (${firing.symbol})`, text: `${message}\n\nTriggered at ${firing.at.toISOString()}.\n` };
    await insertDelivery(em, 'email', id, firing.strategy.id, firing.strategy.ownerId, JSON.stringify(mail));
  }
  if (strategy.trigger === 'ONCE') await em.execute('UPDATE strategies SET enabled = false, updated_at = now() WHERE id = ?', [firing.strategy.id]);
  await em.execute('SELECT pg_notify(?, ?)', [ALERT_CHANNEL, id]);
  return true;
}

async function insertDelivery(em: EntityManager, channel: 'webhook' | 'email', alertId: string, strategyId: string, target: string, body: string): Promise<void> {
  await em.execute(
    `INSERT INTO deliveries (id, channel, alert_id, strategy_id, target, body, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'PENDING', now(), now())`,
    [randomUUID(), channel, alertId, strategyId, target, body],
  );
}
