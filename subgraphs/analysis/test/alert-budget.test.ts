import type { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';
import { withinAlertBudget } from '../src/modules/evaluation/alert-budget';
import type { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import type { Firing } from '../src/modules/evaluation/strategy-engine';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';

/**
 * The budget's decisions and its warning, over a store stood in for by the alerts it counts (the
 * counting query itself runs in the end-to-end tests: analysis.e2e.test.ts, "an account's alert budget").
 */
const OWNER = 'b0000000-0000-4000-8000-000000000001';
const START = Date.UTC(2026, 0, 5, 10);

const strategy: StrategyDefinition = {
  id: 'a0000000-0000-4000-8000-000000000001',
  ownerId: OWNER,
  name: 'flips',
  symbols: ['BTC'],
  interval: 'M15',
  indicators: [],
  condition: 'price > 0.0',
  trigger: TriggerMode.ON_CROSS,
  cooldownSeconds: 0,
};

/** A store of `stored` alerts of the owner within the hour, written to as the allowed firings would be. */
function store() {
  let stored = 0;
  const em = { execute: async () => (stored ? [{ owner_id: OWNER, alerts: stored }] : []) } as unknown as EntityManager;
  return { em, write: (allowed: Firing[]) => void (stored += allowed.length) };
}

function budgetWarnings() {
  const lines: { msg: string }[] = [];
  const logger = new Logger('analysis', 'warn', {}, (line) => void lines.push(JSON.parse(line) as { msg: string }));
  return { logger, count: () => lines.filter((line) => line.msg.includes('ALERTS_PER_ACCOUNT_PER_HOUR')).length };
}

const firings = (second: number, count: number): Firing[] =>
  Array.from({ length: count }, (_, i) => ({ strategy, symbol: `S${i}`, at: new Date(START + second * 1000), price: 1, values: {} }));

describe("an account's alert budget", () => {
  it('warns once when it runs out, when the last alert it allows comes at the end of a round (one firing a round)', async () => {
    const { em, write } = store();
    const warnings = budgetWarnings();
    const allowedPerRound: number[] = [];
    for (let round = 0; round < 4; round++) {
      const allowed = await withinAlertBudget(em, firings(round, 1), 2, warnings.logger);
      allowedPerRound.push(allowed.length);
      write(allowed);
    }
    expect(allowedPerRound).toEqual([1, 1, 0, 0]);
    expect(warnings.count()).toBe(1);
  });

  it('warns once when it runs out within a round', async () => {
    const { em, write } = store();
    const warnings = budgetWarnings();
    const allowedPerRound: number[] = [];
    for (let round = 0; round < 3; round++) {
      const allowed = await withinAlertBudget(em, firings(round, 3), 4, warnings.logger);
      allowedPerRound.push(allowed.length);
      write(allowed);
    }
    expect(allowedPerRound).toEqual([3, 1, 0]);
    expect(warnings.count()).toBe(1);
  });
});
