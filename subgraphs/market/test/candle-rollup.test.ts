import { CandleImportService } from '../src/modules/candle/candle-import.service';
import { useMarketStore } from './support/market-store';

/**
 * An import of fine candles builds the coarser candles it covers whole, as
 * candles built from ticks are kept in every interval; a period it covers in
 * part keeps what it had.
 */
const store = useMarketStore();

/** Minute candles from `start` on, the n-th opening at 100 + n, reaching 100 + n + 2 and 100 + n - 1, closing at 100 + n + 1, volume 1. */
function minutes(start: string, count: number, firstN = 0): string {
  const lines = Array.from({ length: count }, (_, index) => {
    const n = firstN + index;
    return `${new Date(Date.parse(start) + index * 60_000).toISOString()},${100 + n},${102 + n},${99 + n},${101 + n},1`;
  });
  return ['time,open,high,low,close,volume', ...lines].join('\n');
}

const stored = async (interval: string, from: string, to: string) =>
  (
    await store.orm.em
      .fork()
      .execute<{ open_time: Date | string; open: string; high: string; low: string; close: string; volume: string; tick_count: number; closed: boolean }[]>(
        "SELECT open_time, open::text, high::text, low::text, close::text, volume::text, tick_count, closed FROM candles WHERE symbol = 'ROLL' AND interval = ? AND open_time >= ? AND open_time < ? ORDER BY open_time",
        [interval, from, to],
      )
  ).map((row) => ({ ...row, open_time: new Date(row.open_time) }));

it('builds the 5-, 15-minute and hourly candles an hour and a half of minutes covers whole, and announces them', async () => {
  // 10:00 to 11:29: the 10:00 hour whole, the 11:00 hour in part; no 4-hour or daily period whole.
  const result = await new CandleImportService().importCsv(store.orm.em.fork(), 'ROLL', 'M1', minutes('2026-01-05T10:00:00Z', 90));
  expect(result.imported).toBe(90);

  expect(await stored('M5', '2026-01-05T10:00:00Z', '2026-01-05T12:00:00Z')).toHaveLength(18);
  expect((await stored('M15', '2026-01-05T10:00:00Z', '2026-01-05T12:00:00Z')).map((candle) => candle.open_time.toISOString().slice(11, 16))).toEqual([
    '10:00', '10:15', '10:30', '10:45', '11:00', '11:15',
  ]);
  // The hour from its sixty minutes: the first's open, the highest high, the lowest low, the last's close, the volumes summed.
  expect(await stored('H1', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z')).toEqual([
    { open_time: new Date('2026-01-05T10:00:00Z'), open: '100', high: '161', low: '99', close: '160', volume: '60', tick_count: 0, closed: true },
  ]);
  expect(await stored('H4', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z')).toEqual([]);
  expect(await stored('D1', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z')).toEqual([]);

  const events = await store.orm.em.fork().execute<{ interval: string; count: number }[]>(
    "SELECT payload->>'interval' AS interval, count(*)::int AS count FROM outbox WHERE payload->>'symbol' = 'ROLL' GROUP BY 1 ORDER BY 1",
  );
  expect(events).toEqual([
    { interval: 'H1', count: 1 },
    { interval: 'M1', count: 90 },
    { interval: 'M15', count: 6 },
    { interval: 'M5', count: 18 },
  ]);
});

it('completes a period when a later import brings its missing candles, and changes nothing when the same file comes again', async () => {
  // 11:30 to 11:59: the 11:00 hour is whole now.
  await new CandleImportService().importCsv(store.orm.em.fork(), 'ROLL', 'M1', minutes('2026-01-05T11:30:00Z', 30, 90));
  expect(await stored('H1', '2026-01-05T11:00:00Z', '2026-01-05T12:00:00Z')).toEqual([
    { open_time: new Date('2026-01-05T11:00:00Z'), open: '160', high: '221', low: '159', close: '220', volume: '60', tick_count: 0, closed: true },
  ]);
  const again = await new CandleImportService().importCsv(store.orm.em.fork(), 'ROLL', 'M1', minutes('2026-01-05T11:30:00Z', 30, 90));
  expect(again).toMatchObject({ imported: 0, skipped: 30 });
});
