import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, Connection, decodeTimeIdCursor, encodeTimeIdCursor, isUuid, lockUndeletedOwner, NotFoundError, pageInfoOf } from '@herck/common';
import { STRATEGY_CHANNEL } from '../alert/alert-channel';
import { newWebhookSecret } from '../delivery/webhook-signature';
import { WebhookPolicy } from '../delivery/webhook-target';
import { IndicatorSpec, normaliseIndicators } from '../indicator/indicator-spec';
import { signalOf } from '../evaluation/strategy-definition';
import { CreateStrategyInput, UpdateStrategyInput } from './strategy.input';
import { Strategy } from './strategy.entity';
import { cooldownSeconds, strategyCondition, strategyInterval, strategyName, strategySymbols, strategyTrigger, webhookUrl } from './strategy-rules';

export interface StrategyLimits extends WebhookPolicy {
  perAccount: number;
}

/**
 * Owners create, change and delete their strategies. Every change is checked
 * whole before anything is written, and announced on commit so each replica's
 * engine re-reads the strategy.
 */
export class StrategyService {
  constructor(
    private readonly limits: StrategyLimits,
    /** Resolves once the bus events published so far have been applied here, or after a bounded wait. */
    private readonly catchUpEvents: () => Promise<void> = async () => undefined,
  ) {}

  async create(em: EntityManager, ownerId: string, input: CreateStrategyInput): Promise<{ strategy: Strategy; webhookSecret: string }> {
    const indicators = normaliseIndicators(input.indicators);
    // Market announces a tracking or an untracking before it answers: what is on the bus is applied first.
    await this.catchUpEvents();
    const known = await knownSymbols(em);
    const strategy = em.create(Strategy, {
      ownerId,
      name: strategyName(input.name),
      symbols: strategySymbols(input.symbols, known),
      interval: strategyInterval(input.interval),
      indicators,
      condition: strategyCondition(input.condition, indicators),
      trigger: strategyTrigger(input.trigger),
      cooldownSeconds: cooldownSeconds(input.cooldownSeconds),
      notifyInApp: input.channels?.inApp ?? true,
      notifyEmail: input.channels?.email ?? false,
      webhookUrl: webhookUrl(input.channels?.webhookUrl, this.limits),
      // Always made, so a webhook added later is signed with the secret shown now.
      webhookSecret: newWebhookSecret(),
    });
    await em.transactional(async (tx) => {
      // One owner's creations queue here, so the limit holds under concurrent requests (and none outlives a deletion).
      await lockUndeletedOwner(tx, ownerId);
      const [{ count }] = await tx.execute<{ count: string }[]>('SELECT count(*) FROM strategies WHERE owner_id = ?', [ownerId]);
      if (Number(count) >= this.limits.perAccount) throw new ConflictError(`You already have ${this.limits.perAccount} strategies, the most an account may keep`);
      tx.persist(strategy);
      await tx.flush();
      await announce(tx, strategy.id);
    });
    return { strategy, webhookSecret: strategy.webhookSecret! };
  }

  async update(em: EntityManager, ownerId: string, id: string, input: UpdateStrategyInput): Promise<Strategy> {
    // Before the strategy's row is locked: applying market's events may touch it (a ONCE strategy that fired).
    if (input.symbols) await this.catchUpEvents();
    return em.transactional(async (tx) => {
      const strategy = await this.own(tx, ownerId, id, true);
      const indicators: IndicatorSpec[] = input.indicators ? normaliseIndicators(input.indicators) : strategy.indicators;
      const changes: Partial<Strategy> = { indicators };
      if (input.name !== undefined && input.name !== null) changes.name = strategyName(input.name);
      // A symbol the strategy watches already may stay, tracked or not: an edit form sends them all back.
      if (input.symbols) changes.symbols = strategySymbols(input.symbols, new Set([...(await knownSymbols(tx)), ...strategy.symbols]));
      if (input.interval) changes.interval = strategyInterval(input.interval);
      changes.condition = strategyCondition(input.condition ?? strategy.condition, indicators);
      if (input.trigger) changes.trigger = strategyTrigger(input.trigger);
      if (input.cooldownSeconds !== undefined && input.cooldownSeconds !== null) changes.cooldownSeconds = cooldownSeconds(input.cooldownSeconds);
      if (input.channels) {
        // Each channel changes only when named: `{ webhookUrl }` alone keeps the mail on.
        const { inApp, email, webhookUrl: url } = input.channels;
        if (inApp !== undefined && inApp !== null) changes.notifyInApp = inApp;
        if (email !== undefined && email !== null) changes.notifyEmail = email;
        if (url !== undefined) changes.webhookUrl = webhookUrl(url, this.limits);
      }
      // Saving a form unchanged changes nothing; a new signal starts afresh (its cooldown still counts).
      const signalBefore = signalOf(strategy);
      Object.assign(strategy, changes);
      const signalChanged = signalOf(strategy) !== signalBefore;
      if (signalChanged) Object.assign(strategy, { lastError: null, lastErrorAt: null, generation: strategy.generation + 1 });
      await tx.flush();
      if (signalChanged) await startAfresh(tx, id);
      await announce(tx, id);
      return strategy;
    });
  }

  async setEnabled(em: EntityManager, ownerId: string, id: string, enabled: boolean): Promise<Strategy> {
    return em.transactional(async (tx) => {
      const strategy = await this.own(tx, ownerId, id, true);
      const reenabled = enabled && !strategy.enabled;
      strategy.enabled = enabled;
      // Only a switch back on starts afresh: switching on one that is on keeps the error it still has.
      if (reenabled) Object.assign(strategy, { lastError: null, lastErrorAt: null });
      // A new generation: a round evaluated before the switch-off and written after this is not written back (signalOf).
      if (reenabled) strategy.generation += 1;
      await tx.flush();
      // Switched back on, a condition that held when it was switched off (or when ONCE fired)
      // turns true afresh, rather than waiting to turn false first; its cooldown still counts.
      if (reenabled) await startAfresh(tx, id);
      await announce(tx, id);
      return strategy;
    });
  }

  async delete(em: EntityManager, ownerId: string, id: string): Promise<void> {
    await em.transactional(async (tx) => {
      await this.own(tx, ownerId, id, true);
      await tx.execute('DELETE FROM strategies WHERE id = ?', [id]);
      await announce(tx, id);
    });
  }

  /** The owner's strategy; another owner's is NOT_FOUND, exactly like one that does not exist. */
  async own(em: EntityManager, ownerId: string, id: string, lock = false): Promise<Strategy> {
    const strategy = isUuid(id) ? await em.findOne(Strategy, { id, ownerId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}) : null;
    if (!strategy) throw new NotFoundError('Strategy');
    return strategy;
  }

  async page(em: EntityManager, ownerId: string, first: number, after: string | null): Promise<Connection<Strategy>> {
    const position = after ? decodeTimeIdCursor('strategies', after) : null;
    const strategies = await em.find(
      Strategy,
      position ? { ownerId, $or: [{ createdAt: { $gt: position.time } }, { createdAt: position.time, id: { $gt: position.id } }] } : { ownerId },
      { orderBy: { createdAt: 'ASC', id: 'ASC' }, limit: first + 1 },
    );
    const nodes = strategies.slice(0, first);
    const edges = nodes.map((node) => ({ node, cursor: encodeTimeIdCursor('strategies', node.createdAt, node.id) }));
    return { edges, nodes, pageInfo: pageInfoOf(edges, strategies.length > first, Boolean(after)) };
  }
}

/** The symbols market tracks, as its events (`market.asset`, its ticks) told analysis. */
async function knownSymbols(em: EntityManager): Promise<Set<string>> {
  const rows = await em.execute<{ symbol: string }[]>('SELECT symbol FROM symbols WHERE untracked_at IS NULL');
  return new Set(rows.map((row) => row.symbol));
}

/** Delivered on commit: every replica's engine re-reads the strategy. */
async function announce(em: EntityManager, id: string): Promise<void> {
  await em.execute('SELECT pg_notify(?, ?)', [STRATEGY_CHANNEL, id]);
}

/**
 * Forgets whether the condition held for each symbol, keeping when it last fired: the next
 * evaluation may fire as a new strategy's would, but not within the cooldown of its last alert.
 */
async function startAfresh(em: EntityManager, strategyId: string): Promise<void> {
  await em.execute('UPDATE strategy_states SET holds = false WHERE strategy_id = ?', [strategyId]);
}
