import { EntityManager } from '@mikro-orm/postgresql';
import { Logger, Orm } from '@herck/common';
import { DEACTIVATED } from '../account/owner.entity';
import { Strategy } from '../strategy/strategy.entity';
import { StrategyDefinition } from './strategy-definition';
import { Evaluator } from './evaluator';
import { SymbolState } from './trigger-policy';

export function definitionOf(strategy: Strategy): StrategyDefinition {
  const { id, ownerId, name, symbols, interval, indicators, condition, trigger, cooldownSeconds, generation } = strategy;
  return { id, ownerId, name, symbols, interval, indicators, condition, trigger, cooldownSeconds, generation };
}

/**
 * Fills the engine from the store: every enabled strategy with its per-symbol states.
 *
 * Loads run one at a time, in the order they were asked for. A load reads the store, then waits
 * (for states, for history); run side by side, an older read could be watched after a newer one
 * (two quick edits, an edit during a full load) and the superseded version would stay evaluated.
 */
export class EngineLoader {
  /**
   * Times memory was marked as not matching the store (a batch rolled back, another replica evaluated),
   * and how many of those marks the last full load that succeeded had seen when it began reading: memory
   * matches the store while the two are equal. A mark made during a load is not cleared by it.
   */
  private staleMarks = 0;
  private marksLoaded = 0;
  /** The end of the last load asked for: each new one starts after it. */
  private queue: Promise<void> = Promise.resolve();
  /** Strategies whose reload is queued and has not started: it will read their newest row, so asking again adds nothing. */
  private readonly reloadsQueued = new Map<string, Promise<void>>();

  constructor(
    private readonly orm: Orm,
    private readonly engine: Evaluator,
    private readonly logger: Logger,
  ) {}

  /** Everything again (start-up; after a batch rolled back and memory may be ahead of the store). */
  loadAll(): Promise<void> {
    return this.enqueue(() => this.loadAllNow());
  }

  private async loadAllNow(): Promise<void> {
    const marksBefore = this.staleMarks;
    const em = this.orm.em.fork() as EntityManager;
    // Read first: when the store fails, the engine keeps what it had (and stays marked stale).
    const deactivated = new Set(await deactivatedOwnerIds(em));
    const strategies = (await em.find(Strategy, { enabled: true })).filter((strategy) => !deactivated.has(strategy.ownerId));
    const states = await this.statesOf(em);
    this.engine.unwatchAll();
    // Each as if the store held a run-time error of it: a round evaluated before this read may still be writing
    // one (a load after the listener reconnected runs beside the consumer), which memory, read afresh, would
    // never clear. The first evaluation that fails for no symbol clears whatever is stored, if anything (the
    // writer locks and clears only the strategies that have an error stored).
    for (const strategy of strategies) await this.watch(strategy, states.get(strategy.id), true);
    this.marksLoaded = marksBefore;
    this.logger.info('strategies loaded', { strategies: this.engine.size });
  }

  /** A batch rolled back: reload now if the store answers, else before the next batch. */
  async afterRollback(): Promise<void> {
    this.markStale();
    await this.loadAll().catch((error: unknown) => this.logger.error('strategies not reloaded; will retry before the next batch', { error }));
  }

  /** Another replica evaluated until now: what this one holds in memory is behind the store. */
  markStale(): void {
    this.staleMarks += 1;
  }

  /** Before a batch: memory must not be ahead of (or behind) the store. */
  async beforeBatch(): Promise<void> {
    if (this.staleMarks !== this.marksLoaded) await this.loadAll();
  }

  /**
   * One strategy after it changed: watched again if enabled, dropped if
   * disabled or deleted. When its signal is unchanged (a rename, new
   * channels, another cooldown) it keeps its in-memory states, which may be ahead of the store.
   */
  reload(id: string): Promise<void> {
    const queued = this.reloadsQueued.get(id);
    if (queued) return queued;
    const reloaded = this.enqueue(() => {
      this.reloadsQueued.delete(id);
      return this.reloadNow(id);
    });
    this.reloadsQueued.set(id, reloaded);
    return reloaded;
  }

  private async reloadNow(id: string): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    const strategy = await em.findOne(Strategy, { id });
    if (!strategy?.enabled || (await isDeactivated(em, strategy.ownerId))) return this.engine.unwatch(id);
    const definition = definitionOf(strategy);
    if (this.engine.evaluatesAlike(definition)) return this.engine.redefine(definition);
    await this.watch(strategy, (await this.statesOf(em, id)).get(id));
  }

  /** Runs `load` after every load asked for before it; its failure is the caller's, not the next load's. */
  private enqueue(load: () => Promise<void>): Promise<void> {
    const run = this.queue.then(load);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * `errorStored`: whether a run-time error of it may be stored. A single reload reads what it reads: it
   * watches anew only a new signal or generation, whose rounds in flight wrote no error (the writer drops
   * those of the signal before).
   */
  private async watch(strategy: Strategy, states = new Map<string, SymbolState>(), errorStored = strategy.lastError !== null): Promise<void> {
    try {
      await this.engine.watch(definitionOf(strategy), states, errorStored);
    } catch (error) {
      this.logger.error('strategy not evaluated', { strategy: strategy.id, error });
    }
  }

  /** The states of one strategy, or of every enabled one. */
  private async statesOf(em: EntityManager, id?: string): Promise<Map<string, Map<string, SymbolState>>> {
    const byStrategy = new Map<string, Map<string, SymbolState>>();
    const rows = await em.execute<{ strategy_id: string; symbol: string; holds: boolean; last_fired_at: Date | null }[]>(
      `SELECT st.strategy_id, st.symbol, st.holds, st.last_fired_at FROM strategy_states st JOIN strategies s ON s.id = st.strategy_id
        WHERE ${id ? 's.id = ?' : 's.enabled'}`,
      id ? [id] : [],
    );
    for (const row of rows) {
      if (!byStrategy.has(row.strategy_id)) byStrategy.set(row.strategy_id, new Map());
      byStrategy.get(row.strategy_id)!.set(row.symbol, { holds: row.holds, lastFiredAt: row.last_fired_at ? new Date(row.last_fired_at).getTime() : null });
    }
    return byStrategy;
  }
}

/** Owners whose account was deactivated: their strategies are not evaluated. */
async function deactivatedOwnerIds(em: EntityManager): Promise<string[]> {
  return (await em.execute<{ id: string }[]>('SELECT id FROM accounts WHERE status = ?', [DEACTIVATED])).map((row) => row.id);
}

async function isDeactivated(em: EntityManager, ownerId: string): Promise<boolean> {
  return (await em.execute('SELECT 1 FROM accounts WHERE id = ? AND status = ?', [ownerId, DEACTIVATED])).length > 0;
}
