import { EntityManager } from '@mikro-orm/postgresql';
import { Logger, Orm } from '@herck/common';
import { Strategy } from '../strategy/strategy.entity';
import { StrategyDefinition } from './strategy-definition';
import { StrategyEngine } from './strategy-engine';
import { SymbolState } from './trigger-policy';

export function definitionOf(strategy: Strategy): StrategyDefinition {
  const { id, ownerId, name, symbols, interval, indicators, condition, trigger, cooldownSeconds } = strategy;
  return { id, ownerId, name, symbols, interval, indicators, condition, trigger, cooldownSeconds };
}

/** Fills the engine from the store: every enabled strategy with its per-symbol states. */
export class EngineLoader {
  constructor(
    private readonly orm: Orm,
    private readonly engine: StrategyEngine,
    private readonly logger: Logger,
  ) {}

  /** Everything again (start-up; after a batch rolled back and memory may be ahead of the store). */
  async loadAll(): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    this.engine.unwatchAll();
    const strategies = await em.find(Strategy, { enabled: true });
    const states = await this.statesOf(em, strategies.map((strategy) => strategy.id));
    for (const strategy of strategies) await this.watch(strategy, states.get(strategy.id));
    this.logger.info('strategies loaded', { strategies: this.engine.size });
  }

  /** One strategy after it changed: watched again if enabled, dropped if disabled or deleted. */
  async reload(id: string): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    const strategy = await em.findOne(Strategy, { id });
    if (!strategy?.enabled) return this.engine.unwatch(id);
    await this.watch(strategy, (await this.statesOf(em, [id])).get(id));
  }

  private async watch(strategy: Strategy, states = new Map<string, SymbolState>()): Promise<void> {
    try {
      await this.engine.watch(definitionOf(strategy), states);
    } catch (error) {
      this.logger.error('strategy not evaluated', { strategy: strategy.id, error });
    }
  }

  private async statesOf(em: EntityManager, ids: string[]): Promise<Map<string, Map<string, SymbolState>>> {
    const byStrategy = new Map<string, Map<string, SymbolState>>();
    if (!ids.length) return byStrategy;
    const rows = await em.execute<{ strategy_id: string; symbol: string; holds: boolean; last_fired_at: Date | null }[]>(
      'SELECT strategy_id, symbol, holds, last_fired_at FROM strategy_states WHERE strategy_id IN (?)',
      [ids],
    );
    for (const row of rows) {
      if (!byStrategy.has(row.strategy_id)) byStrategy.set(row.strategy_id, new Map());
      byStrategy.get(row.strategy_id)!.set(row.symbol, { holds: row.holds, lastFiredAt: row.last_fired_at ? new Date(row.last_fired_at).getTime() : null });
    }
    return byStrategy;
  }
}
