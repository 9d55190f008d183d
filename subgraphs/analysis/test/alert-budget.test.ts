import { randomUUID } from 'node:crypto';
import { Logger } from '@herck/common';
import { AlertBudget } from '../src/modules/evaluation/alert-budget';
import { definitionOf } from '../src/modules/evaluation/engine-loader';
import { writeOutcomes } from '../src/modules/evaluation/outcome-writer';
import { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import { EvaluationOutcome, StrategyEngine } from '../src/modules/evaluation/strategy-engine';
import { Strategy } from '../src/modules/strategy/strategy.entity';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';
import { useAnalysisStore } from './support/analysis-store';

/**
 * An account's alert budget, in a store of its own: what was spent is judged by the firings' own
 * time, by the budget's read and by housekeeping alike (a shared store holds other tests' firings,
 * which move that clock).
 */
const store = useAnalysisStore();

beforeEach(async () => {
  await store.orm.em.fork().execute('TRUNCATE alert_budget_spent');
});

const HOUR_MS = 3_600_000;

async function saveStrategy(ownerId: string, trigger: TriggerMode, symbols = ['BTC', 'ETH'], watching?: { condition: string; cooldownSeconds: number }): Promise<StrategyDefinition> {
  const em = store.orm.em.fork();
  const strategy = em.create(Strategy, {
    ownerId,
    name: `${trigger} strategy`,
    symbols,
    interval: 'M1',
    indicators: [],
    condition: watching?.condition ?? 'price < 0.0',
    trigger,
    cooldownSeconds: watching?.cooldownSeconds ?? 0,
    notifyInApp: false,
    notifyEmail: false,
    enabled: true,
  });
  await em.flush();
  return definitionOf(strategy);
}

/** A round at `at` in which each strategy fires for each of its symbols. */
function round(at: number, strategies: StrategyDefinition[]): EvaluationOutcome[] {
  return [{ firings: strategies.flatMap((strategy) => strategy.symbols.map((symbol) => ({ strategy, symbol, at: new Date(at), price: 1, exactPrice: '1', values: {} }))), states: [], errors: [], recovered: [] }];
}

const write = (perHour: number, outcomes: EvaluationOutcome[], logger?: Logger) => store.orm.em.fork().transactional((tx) => writeOutcomes(tx, outcomes, logger, perHour));
const housekeeping = () => AlertBudget.forgetOld(store.orm.em.fork());
const alertsOf = async (ownerId: string) => (await store.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM alerts WHERE owner_id = ?', [ownerId]))[0]!.n;
const spentBy = async (ownerId: string) => (await store.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM alert_budget_spent WHERE owner_id = ?', [ownerId]))[0]!.n;

describe('by the firings’ own time', () => {
  it('counts in full the rounds of an event written more than a day late, with housekeeping between them', async () => {
    const owner = randomUUID();
    const flipping = await saveStrategy(owner, TriggerMode.ON_CROSS);
    // Analysis was down for a day: the rounds it reads on its return are 25 h old (two firings each).
    const late = Date.now() - 25 * HOUR_MS;
    await write(5, round(late, [flipping]));
    await write(5, round(late + 10_000, [flipping]));
    // Housekeeping passes (at start-up, then hourly) while the backlog is read: it forgets nothing those rounds' hour counts.
    expect(await housekeeping()).toBe(0);
    await write(5, round(late + 20_000, [flipping]));
    await write(5, round(late + 30_000, [flipping]));
    expect(await alertsOf(owner)).toBe(5);
  });

  it('forgets what was spent a day before the newest firing, whatever the account, and nothing a round may still count', async () => {
    const [quiet, busy] = [randomUUID(), randomUUID()];
    const [once, seldom] = [await saveStrategy(quiet, TriggerMode.ONCE, ['BTC']), await saveStrategy(busy, TriggerMode.ON_CROSS, ['BTC'])];
    const newest = Date.now() - 30 * HOUR_MS;
    // The quiet account fired once (a ONCE strategy's alert spends too), a day and a minute before the newest firing, and never again.
    await write(5, round(newest - 24 * HOUR_MS - 60_000, [once]));
    await write(5, round(newest - 2 * HOUR_MS, [seldom]));
    await write(5, round(newest, [seldom]));
    // Wall-clock time would forget all three (30 h ago and more); the firings' time forgets the first only.
    expect(await housekeeping()).toBe(1);
    expect([await spentBy(quiet), await spentBy(busy)]).toEqual([0, 2]);
  });

  it('forgets by the wall clock at the latest: a firing stamped in the future does not forget what the hour still counts', async () => {
    const [owner, skewed] = [randomUUID(), randomUUID()];
    const [steady, ahead] = [await saveStrategy(owner, TriggerMode.ON_CROSS, ['BTC']), await saveStrategy(skewed, TriggerMode.ON_CROSS, ['BTC'])];
    await write(5, round(Date.now() - 10 * 60_000, [steady]));
    // A round from a clock two days ahead: by its time, everything else would be a day old.
    await write(5, round(Date.now() + 48 * HOUR_MS, [ahead]));
    expect(await housekeeping()).toBe(0);
    expect([await spentBy(owner), await spentBy(skewed)]).toEqual([1, 1]);
  });
});

describe('the warning that the budget ran out', () => {
  it('is logged once, not again for a later write of ONCE firings only (never held back, they spend it still)', async () => {
    const owner = randomUUID();
    const flipping = await saveStrategy(owner, TriggerMode.ON_CROSS);
    const [once, another] = [await saveStrategy(owner, TriggerMode.ONCE, ['BTC']), await saveStrategy(owner, TriggerMode.ONCE, ['ETH'])];
    const warnings: string[] = [];
    const logger = new Logger('analysis', 'warn', {}, (line) => void warnings.push((JSON.parse(line) as { msg: string }).msg));
    const start = Date.now() - 60_000;
    // Two firings spend a budget of two: the warning.
    await write(2, round(start, [flipping]), logger);
    // Then two ONCE strategies fire in one round: stored, though the budget was spent before; nothing new ran out.
    await write(2, round(start + 10_000, [once, another]), logger);
    expect(await alertsOf(owner)).toBe(4);
    expect(warnings.filter((msg) => msg.includes('ALERTS_PER_ACCOUNT_PER_HOUR'))).toHaveLength(1);
  });

  it('is logged when a ONCE firing spends the last of it', async () => {
    const owner = randomUUID();
    const [flipping, once] = [await saveStrategy(owner, TriggerMode.ON_CROSS), await saveStrategy(owner, TriggerMode.ONCE, ['BTC'])];
    const warnings: string[] = [];
    const logger = new Logger('analysis', 'warn', {}, (line) => void warnings.push((JSON.parse(line) as { msg: string }).msg));
    const start = Date.now() - 60_000;
    await write(3, round(start, [flipping]), logger);
    expect(warnings).toEqual([]);
    await write(3, round(start + 10_000, [once]), logger);
    expect(warnings.filter((msg) => msg.includes('ALERTS_PER_ACCOUNT_PER_HOUR'))).toHaveLength(1);
  });
});

describe('a firing held back', () => {
  it('starts its cooldown in the store as in the running engine: an engine loaded from the store holds back the same firing', async () => {
    const owner = randomUUID();
    const spender = await saveStrategy(owner, TriggerMode.ON_CROSS, ['BTC']);
    const watched = await saveStrategy(owner, TriggerMode.ON_CROSS, ['BTC'], { condition: 'price > 100.0', cooldownSeconds: 2 * 3_600 });
    const start = Date.now() - 60_000;
    // The account's budget of one is spent; then the watched strategy fires, and is held back.
    await write(1, round(start, [spender]));
    const running = new StrategyEngine(async () => []);
    await running.watch(watched);
    const heldBack = running.onTick('BTC', new Date(start + 1_000), 150, 0);
    expect(heldBack.firings).toHaveLength(1);
    await write(1, [heldBack]);
    expect(await alertsOf(owner)).toBe(1);
    const [stored] = await store.orm.em.fork().execute<{ holds: boolean; last_fired_at: Date | null }[]>('SELECT holds, last_fired_at FROM strategy_states WHERE strategy_id = ?', [watched.id]);
    expect(stored?.last_fired_at && new Date(stored.last_fired_at).getTime()).toBe(start + 1_000);

    // An engine loaded from the store (a restart, a reload) and the running one see the price cross again
    // an hour later: the budget has room, the two-hour cooldown still runs in both.
    const loaded = new StrategyEngine(async () => []);
    await loaded.watch(watched, new Map([['BTC', { holds: stored!.holds, lastFiredAt: new Date(stored!.last_fired_at!).getTime() }]]));
    const crossAgain = (engine: StrategyEngine) => [engine.onTick('BTC', new Date(start + HOUR_MS + 60_000), 50, 0), engine.onTick('BTC', new Date(start + HOUR_MS + 61_000), 150, 0)];
    const [fromRunning, fromLoaded] = [crossAgain(running), crossAgain(loaded)];
    expect(fromRunning.flatMap((outcome) => outcome.firings)).toEqual([]);
    expect(fromLoaded.flatMap((outcome) => outcome.firings)).toEqual([]);
  });
});
