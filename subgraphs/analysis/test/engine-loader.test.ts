import { randomUUID } from 'node:crypto';
import { Logger, until } from '@herck/common';
import { EngineLoader } from '../src/modules/evaluation/engine-loader';
import { Evaluator } from '../src/modules/evaluation/evaluator';
import { writeOutcomes } from '../src/modules/evaluation/outcome-writer';
import { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import { EvaluationOutcome, StrategyEngine } from '../src/modules/evaluation/strategy-engine';
import { Strategy } from '../src/modules/strategy/strategy.entity';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';
import { useAnalysisStore } from './support/analysis-store';

/**
 * Strategy changes are read into the engine one at a time, in the order they were announced:
 * a reload that read an older version must never be the one left watched.
 */
const store = useAnalysisStore();

/**
 * The engine's side, seen from the loader: a definition counts as watched once its watch has
 * finished (as with the worker pool, which installs it when the worker has loaded its history).
 * The first watch waits until the test lets it finish: a slow history load.
 */
class SlowFirstWatch implements Partial<Evaluator> {
  readonly watched = new Map<string, StrategyDefinition>();
  readonly started: string[] = [];
  private inFlight = 0;
  maxInFlight = 0;
  private release!: () => void;
  private readonly firstMayFinish = new Promise<void>((resolve) => (this.release = resolve));

  get size(): number {
    return this.watched.size;
  }

  async watch(definition: StrategyDefinition): Promise<void> {
    this.started.push(definition.condition);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.started.length === 1) await this.firstMayFinish;
    this.inFlight -= 1;
    this.watched.set(definition.id, definition);
  }

  finishFirst(): void {
    this.release();
  }

  unwatch(id: string): void {
    this.watched.delete(id);
  }

  unwatchAll(): void {
    this.watched.clear();
  }

  evaluatesAlike(definition: StrategyDefinition): boolean {
    return this.watched.get(definition.id)?.condition === definition.condition;
  }

  redefine(definition: StrategyDefinition): void {
    this.watched.set(definition.id, definition);
  }
}

async function saveStrategy(condition: string, id?: string): Promise<string> {
  const em = store.orm.em.fork();
  if (id) {
    await em.nativeUpdate(Strategy, { id }, { condition });
    return id;
  }
  const strategy = em.create(Strategy, {
    ownerId: randomUUID(),
    name: 'Breakout',
    symbols: ['BTC'],
    interval: 'M1',
    indicators: [],
    condition,
    trigger: TriggerMode.ON_CROSS,
    cooldownSeconds: 0,
    notifyInApp: true,
    notifyEmail: false,
    enabled: true,
  });
  await em.flush();
  return strategy.id;
}

it('reads two quick edits of a strategy in order, leaving the newer one watched, and never loads two at once', async () => {
  const engine = new SlowFirstWatch();
  const loader = new EngineLoader(store.orm, engine as unknown as Evaluator, new Logger('analysis', 'error'));
  const id = await saveStrategy('price > 1.0');

  const first = loader.reload(id);
  await until(() => engine.started.length === 1);
  await saveStrategy('price > 2.0', id);
  const second = loader.reload(id);
  // Announced again before it started: the queued reload reads the newest row anyway.
  const again = loader.reload(id);
  // Side by side, the second reload read the store and finished well within this; queued, it waits for the first.
  await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  engine.finishFirst();
  await Promise.all([first, second, again]);

  expect(engine.watched.get(id)?.condition).toBe('price > 2.0');
  expect(engine.started).toEqual(['price > 1.0', 'price > 2.0']);
  expect(engine.maxInFlight).toBe(1);
});

it('stays stale when marked so during a full load that read the store before: the next batch loads again', async () => {
  const engine = new SlowFirstWatch();
  const loader = new EngineLoader(store.orm, engine as unknown as Evaluator, new Logger('analysis', 'error'));
  await saveStrategy('price > 3.0');
  const loading = loader.loadAll();
  // The load has read the store and is installing what it read...
  await until(() => engine.started.length === 1);
  // ...when another replica, which evaluated until now, hands over: the store is ahead of what was read.
  loader.markStale();
  engine.finishFirst();
  await loading;
  const watchesBefore = engine.started.length;
  await loader.beforeBatch();
  expect(engine.started.length).toBeGreaterThan(watchesBefore);
});

it("clears an error a round wrote while a full load read the strategy, once the condition evaluates again", async () => {
  // A division by zero at 10, a number elsewhere.
  const id = await saveStrategy('int(price) / (int(price) - 10) >= 0');
  const engine = new StrategyEngine(async () => []);
  const loader = new EngineLoader(store.orm, engine, new Logger('analysis', 'error'));
  await loader.loadAll();
  const at = (second: number) => new Date(Date.now() - 60_000 + second * 1000);
  // Only this strategy's part of a round (the file's other strategies watch BTC too).
  const round = (second: number, price: number): EvaluationOutcome[] => {
    const outcome = engine.onTick('BTC', at(second), price, 0);
    const ours = <T extends { strategyId: string }>(items: T[]) => items.filter((item) => item.strategyId === id);
    return [{ firings: [], states: ours(outcome.states), errors: ours(outcome.errors), recovered: ours(outcome.recovered) }];
  };
  const lastError = async () => (await store.orm.em.fork().findOneOrFail(Strategy, id)).lastError;

  // The round that fails is still being written when the load (a reconnect of the listener) reads the strategy.
  await store.orm.em.fork().transactional(async (tx) => {
    const failing = round(0, 10);
    expect(failing[0]!.errors).toHaveLength(1);
    await writeOutcomes(tx, failing);
    await loader.loadAll();
  });
  expect(await lastError()).toBe('division by zero');
  await store.orm.em.fork().transactional((tx) => writeOutcomes(tx, round(1, 20)));
  expect(await lastError()).toBeNull();
});

it('after a full load, locks for its first round only the strategies that have an error stored, not every one evaluated', async () => {
  // Neither holds at 20: the round has nothing to write of them but their recovery.
  const [calm, failing] = [await saveStrategy('price < 0.0'), await saveStrategy('int(price) / (int(price) - 10) < 0')];
  await store.orm.em.fork().execute("UPDATE strategies SET last_error = 'division by zero', last_error_at = now() WHERE id = ?", [failing]);
  const engine = new StrategyEngine(async () => []);
  const loader = new EngineLoader(store.orm, engine, new Logger('analysis', 'error'));
  await loader.loadAll();
  // Both evaluate without error: both are reported recovered (the load could not know which errors were being written).
  const outcome = engine.onTick('BTC', new Date(Date.now() - 30_000), 20, 0);
  const ours = outcome.recovered.filter((recovery) => [calm, failing].includes(recovery.strategyId)).map((recovery) => recovery.strategyId);
  expect(ours.sort()).toEqual([calm, failing].sort());
  const isOurs = (id: string) => ours.includes(id);
  const round: EvaluationOutcome[] = [
    {
      firings: outcome.firings.filter((firing) => isOurs(firing.strategy.id)),
      states: outcome.states.filter((state) => isOurs(state.strategyId)),
      errors: outcome.errors.filter((error) => isOurs(error.strategyId)),
      recovered: outcome.recovered.filter((recovery) => isOurs(recovery.strategyId)),
    },
  ];
  expect([round[0]!.firings, round[0]!.states, round[0]!.errors]).toEqual([[], [], []]);

  // Looked up by id, and (a round of more than 1,000 recoveries: every strategy after a full load) among every error stored.
  for (const others of [0, 1_000]) {
    await store.orm.em.fork().execute("UPDATE strategies SET last_error = 'division by zero', last_error_at = now() WHERE id = ?", [failing]);
    const padded: EvaluationOutcome[] = [{ ...round[0]!, recovered: [...round[0]!.recovered, ...Array.from({ length: others }, () => ({ strategyId: randomUUID(), signal: 'gone' }))] }];
    // An edit holds the calm strategy's row: a round that locked every strategy it evaluated would wait for it.
    const editor = await store.orm.em.fork().getConnection().getKnex().transaction();
    try {
      await editor.raw('SELECT 1 FROM strategies WHERE id = ? FOR UPDATE', [calm]);
      await store.orm.em.fork().transactional(async (tx) => {
        await tx.execute("SET LOCAL lock_timeout = '2s'");
        await writeOutcomes(tx, padded);
      });
    } finally {
      await editor.rollback();
    }
    const lastErrors = await store.orm.em.fork().execute<{ last_error: string | null }[]>('SELECT last_error FROM strategies WHERE id IN (?, ?)', [calm, failing]);
    expect(lastErrors.map((row) => row.last_error)).toEqual([null, null]);
  }
});
