import { parse } from 'graphql';
import { Logger } from '@herck/common';
import { UpstreamBacklog, UpstreamEvent, UpstreamItem } from '../src/live/upstream-backlog';
import { conflationFor } from '../src/live/tick-conflation';

/**
 * A shared subscription's upstream events wait for their execution in a bounded backlog while
 * one event's query plan is slow (a subgraph that takes its time to answer).
 */
const tickConflation = conflationFor(parse('subscription { ticks { symbol price } }'), undefined);
const ticks = (...items: [string, string][]): UpstreamEvent => ({ data: { ticks: items.map(([symbol, price]) => ({ symbol, price })) } });
const candle = (close: string): UpstreamEvent => ({ data: { candles: { close } } });

/** A backlog whose execution of each item waits until the test releases it; what it executed, in order. */
function slowBacklog({ conflates = true, warnings = [] as string[] } = {}) {
  const executed: UpstreamItem[] = [];
  const releases: (() => void)[] = [];
  const logger = new Logger('test', 'warn', {}, (line) => void warnings.push((JSON.parse(line) as { msg: string }).msg));
  const backlog = new UpstreamBacklog(
    (item) => new Promise<void>((resolve) => releases.push(() => (executed.push(item), resolve()))),
    conflates ? tickConflation : undefined,
    'market',
    logger,
    3,
  );
  /** Lets the item being executed finish, and waits for the next to start (if any). */
  const releaseOne = async () => {
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { backlog, executed, releases, releaseOne, warnings };
}

it('executes events one after the other, in order, the end last', async () => {
  const { backlog, executed, releaseOne } = slowBacklog({ conflates: false });
  backlog.push({ event: candle('1') });
  backlog.push({ event: candle('2') });
  backlog.push({ end: undefined });
  for (let i = 0; i < 3; i++) await releaseOne();
  expect(executed).toEqual([{ event: candle('1') }, { event: candle('2') }, { end: undefined }]);
});

it('keeps one tick event waiting behind a slow one: the newest price of each symbol', async () => {
  const { backlog, executed, releases, releaseOne } = slowBacklog();
  backlog.push({ event: ticks(['BTC', '1']) });
  // Executing the first (slow); twenty rounds arrive meanwhile.
  for (let round = 2; round <= 21; round++) backlog.push({ event: ticks(['BTC', String(round)], ...(round === 5 ? [['ETH', '5'] as [string, string]] : [])) });
  expect(releases).toHaveLength(1);
  await releaseOne();
  await releaseOne();
  expect(executed).toEqual([{ event: ticks(['BTC', '1']) }, { event: ticks(['BTC', '21'], ['ETH', '5']) }]);
});

it('drops the oldest waiting events past its bound when they cannot be merged, never the end, and says so', async () => {
  const warnings: string[] = [];
  const { backlog, executed, releases, releaseOne } = slowBacklog({ conflates: false, warnings });
  backlog.push({ event: candle('1') });
  for (let close = 2; close <= 9; close++) backlog.push({ event: candle(String(close)) });
  backlog.push({ end: undefined });
  expect(warnings).toEqual(['live events dropped: they wait on a slow subgraph']);
  while (releases.length) await releaseOne();
  // Three wait at most: after the one executing, the newest two events and the end.
  expect(executed).toEqual([{ event: candle('1') }, { event: candle('8') }, { event: candle('9') }, { end: undefined }]);
  expect(warnings).toEqual(['live events dropped: they wait on a slow subgraph', 'live events flow again after a slow subgraph']);
});

it('goes on after an execution that failed', async () => {
  const executed: string[] = [];
  const backlog = new UpstreamBacklog(
    async (item) => {
      if ('event' in item && item.event.data?.candles === null) throw new Error('failed');
      executed.push('event' in item ? 'event' : 'end');
    },
    undefined,
    'market',
    new Logger('test', 'error', {}, () => undefined),
  );
  backlog.push({ event: { data: { candles: null } } });
  backlog.push({ event: candle('2') });
  backlog.push({ end: undefined });
  await new Promise((resolve) => setImmediate(resolve));
  expect(executed).toEqual(['event', 'end']);
});
