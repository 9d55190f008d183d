import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, CANDLE_INTERVALS, CandleInterval, candleOpenTime, INTERVAL_MS, MARKET_CANDLE, MARKET_FX, MARKET_TICK, MarketCandleEvent, MarketFxEvent, MarketTickEvent, OutboxMessage } from '@herck/common';
import { Candle } from '../candle/candle.type';
import { CandleRow, toCandle, valuesPlaceholders } from '../history/market-rows';
import { MarketRound } from './market-round';
import { lockRoundRecords } from './round-record-lock';

/** Channel on which the ingesting replica announces a committed round to the others. */
export const ROUND_CHANNEL = 'market_round';
/** Channel on which it announces the candles a round without ticks closed (the time of that round). */
export const CLOSES_CHANNEL = 'market_candles_closed';

const DAY_MS = 86_400_000;

export interface WrittenRound {
  /** Every candle the round's ticks touched, as it stands now. */
  updatedCandles: Candle[];
  /** Candles whose period ended with this round. */
  closedCandles: Candle[];
  /** The round was in the store already (an attempt whose commit went through before its connection dropped): nothing was written. */
  alreadyStored?: boolean;
  /** A later round was in the store already (another replica's, after a takeover): only its gap was written. */
  superseded?: boolean;
}

/** The gap of a round that came to be written after a later one. */
export const SUPERSEDED = 'the round was ready after a later one was stored (another replica took over while it ran)';

/**
 * Writes one round in one transaction: its ticks (one batched insert), its
 * global figures and FX rates, the candles of all six intervals, and the
 * `market.tick`, `market.fx` and closed `market.candle` events in the outbox,
 * with whatever `alsoInTransaction` writes (the providers' health). A round is
 * all there or not at all.
 */
export async function writeRound(em: EntityManager, round: MarketRound, roundSeconds: number, alsoInTransaction: (tx: EntityManager) => Promise<void> = async () => undefined): Promise<WrittenRound> {
  return em.transactional(async (tx) => {
    // The round's commit does not wait for its WAL to reach the disk: live clients get the round that
    // much sooner (about 8 ms of 25 on the 2-core build machine). A crash of PostgreSQL may lose the
    // last rounds committed before it (under a second's worth), each whole with its outbox events,
    // never part of one: history then lacks them, with no ingestion gap recorded.
    await lockRoundRecords(tx, { commitWithoutWaitingForTheDisk: true });
    // The round's own row comes first: a round written already (a second replica, a retry after a
    // commit that went through) changes nothing, the providers' health included. A gap recorded for
    // it meanwhile (a replica that took over while this one's round overran) goes: the round landed.
    // Unless a later round landed first (that replica's): its ticks already stand for this round's
    // time in the candles' volumes and closes, so this one stays out, as the gap it was recorded as.
    // A round claimed is announced in the same statement (a notification is delivered on commit, as the
    // round is, or never): the other replicas load it into their snapshot.
    const g = round.global;
    const [claimed] = await tx.execute<{ time: string }[]>(
      `WITH claimed AS (
         INSERT INTO global_metrics (time, total_market_cap, total_volume_24h, btc_dominance, active_cryptocurrencies, source)
         SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM global_metrics WHERE time > ?)
         ON CONFLICT DO NOTHING RETURNING time),
       landed AS (DELETE FROM ingestion_gaps WHERE round_time IN (SELECT time FROM claimed))
       SELECT time, pg_notify('${ROUND_CHANNEL}', ?) FROM claimed`,
      [round.time, g?.totalMarketCap?.toFixed() ?? null, g?.totalVolume24h?.toFixed() ?? null, g?.btcDominance?.toFixed() ?? null, g?.activeCryptocurrencies ?? null, round.globalSource, round.time, round.time.toISOString()],
    );
    if (!claimed) {
      if ((await tx.execute('SELECT 1 FROM global_metrics WHERE time = ?', [round.time])).length) return { updatedCandles: [], closedCandles: [], alreadyStored: true };
      await tx.execute('INSERT INTO ingestion_gaps (round_time, reason) VALUES (?, ?) ON CONFLICT DO NOTHING', [round.time, SUPERSEDED]);
      return { updatedCandles: [], closedCandles: [], superseded: true };
    }
    await alsoInTransaction(tx);
    const previousTicks = await insertTicksAndRates(tx, round);
    const closedCandles = await closeEndedCandles(tx, round.time);
    const updatedCandles = await addTicksToCandles(tx, round, roundSeconds, previousTicks);

    // Candles the round closed come first: consumers see a period end before the next one's first tick.
    announceCloses(tx, closedCandles);
    tx.persist(new OutboxMessage(MARKET_TICK, tickEvent(round) as unknown as Record<string, unknown>));
    if (round.fx.length) tx.persist(new OutboxMessage(MARKET_FX, fxEvent(round) as unknown as Record<string, unknown>));
    await tx.flush();
    return { updatedCandles, closedCandles };
  });
}

/**
 * Inserts the round's ticks and FX rates and reads each symbol's tick before
 * this round, in one statement (a candle's volume covers the rounds missed
 * since): by symbol, the time of that earlier tick.
 */
async function insertTicksAndRates(tx: EntityManager, round: MarketRound): Promise<Map<string, number>> {
  const rates = round.fx.length
    ? {
        sql: `INSERT INTO fx_rates (base, quote, time, rate) VALUES ${valuesPlaceholders(round.fx.length, 4)} ON CONFLICT DO NOTHING`,
        params: round.fx.flatMap((rate) => [rate.base, rate.quote, round.time, rate.rate.toFixed()]),
      }
    : undefined;
  if (!round.ticks.length) {
    if (rates) await tx.execute(rates.sql, rates.params);
    return new Map();
  }
  const ticks = round.ticks.flatMap((t) => [t.symbol, round.time, t.price.toFixed(), t.volume24h?.toFixed() ?? null, t.marketCap?.toFixed() ?? null, t.percentChange1h?.toFixed() ?? null, t.percentChange24h?.toFixed() ?? null, t.source]);
  const previous = await tx.execute<{ symbol: string; time: string | Date }[]>(
    `WITH inserted AS (
       INSERT INTO ticks (symbol, time, price, volume_24h, market_cap, percent_change_1h, percent_change_24h, source)
       VALUES ${valuesPlaceholders(round.ticks.length, 8)})${rates ? `,
     rates AS (${rates.sql})` : ''}
     SELECT s.symbol, previous.time FROM unnest(?::text[]) AS s(symbol)
       CROSS JOIN LATERAL (SELECT time FROM ticks WHERE ticks.symbol = s.symbol AND ticks.time < ? ORDER BY time DESC LIMIT 1) AS previous`,
    [...ticks, ...(rates?.params ?? []), arrayParameter(round.ticks.map((t) => t.symbol)), round.time],
  );
  return new Map(previous.map((row) => [row.symbol, new Date(row.time).getTime()]));
}

/**
 * A round that got no tick at all (every provider failed, or none quoted a
 * tracked asset) still closes, in one transaction with whatever
 * `alsoInTransaction` writes (its gap, the providers' health), every candle
 * whose period has ended, and announces them as a round with ticks does: on
 * the bus, and to the other replicas (CLOSES_CHANNEL) for their subscribers.
 * Time passes whether or not prices come: a candle is not left open past its
 * period until quotes come back. Returns the candles it closed.
 */
export async function closeCandlesWithoutTicks(em: EntityManager, time: Date, alsoInTransaction: (tx: EntityManager) => Promise<void>): Promise<Candle[]> {
  return em.transactional(async (tx) => {
    await lockRoundRecords(tx);
    await alsoInTransaction(tx);
    const closed = await closeEndedCandles(tx, time);
    announceCloses(tx, closed);
    await tx.flush();
    if (closed.length) await tx.execute(`SELECT pg_notify('${CLOSES_CHANNEL}', ?)`, [time.toISOString()]);
    return closed;
  });
}

function announceCloses(tx: EntityManager, closed: Candle[]): void {
  for (const candle of closed) tx.persist(new OutboxMessage(MARKET_CANDLE, candleEvent(candle) as unknown as Record<string, unknown>));
}

/**
 * Every open candle whose period ended before this round, whatever its asset,
 * in one statement for all intervals (the round's latency is its statements).
 * Each records the round that closed it: the closes a standby publishes for it.
 */
async function closeEndedCandles(tx: EntityManager, roundTime: Date): Promise<Candle[]> {
  const rows = await tx.execute<CandleRow[]>(
    `UPDATE candles SET closed = true, closed_at = ?, revision = candles.revision + 1
       FROM unnest(?::text[], ?::timestamptz[]) AS period(interval, open_time)
      WHERE NOT candles.closed AND candles.interval = period.interval AND candles.open_time < period.open_time
      RETURNING candles.*`,
    [roundTime, arrayParameter(CANDLE_INTERVALS), arrayParameter(CANDLE_INTERVALS.map((interval) => candleOpenTime(interval, roundTime)))],
  );
  return rows.map(toCandle).sort(closeOrder);
}

/** Shortest interval first, then by asset and time: the order in which events and subscribers see a round's closed candles. */
export function closeOrder(a: Candle, b: Candle): number {
  return CANDLE_INTERVALS.indexOf(a.interval) - CANDLE_INTERVALS.indexOf(b.interval) || a.symbol.localeCompare(b.symbol) || a.openTime.getTime() - b.openTime.getTime();
}

/**
 * Each tick extends the current candle of every interval, unless it is an
 * imported one (tickCount 0): imports take only candles whose period has ended,
 * so a round meets one only when it commits after its own period ended (an
 * overrun), and the exchange's figures stand over a tick's. Ticks carry a 24-hour
 * volume, not trades: a candle's volume is estimated as the share of that
 * volume the time a tick stands for represents, summed over its ticks. A tick
 * stands for its round (up to the next one) and for the rounds missed since the
 * symbol's previous tick (`previousTicks`, by symbol), but each candle is
 * credited only the part of that time within its own period (see
 * `creditedMs`): rounds that failed, were skipped, or lacked the symbol leave no hole
 * in the volume of the candle they fall in (one a later tick falls in; periods
 * that ended with no tick keep what they had). One array parameter per
 * column, not a placeholder per value: with 20 assets the upsert took 5–8 ms
 * with 1,080 placeholders and mostly 2–4 ms with arrays (2-core build machine).
 */
async function addTicksToCandles(tx: EntityManager, round: MarketRound, roundSeconds: number, previousTicks: Map<string, number>): Promise<Candle[]> {
  if (!round.ticks.length) return [];
  const roundMs = roundSeconds * 1000;
  const time = round.time.getTime();
  const columns = { symbol: [] as string[], interval: [] as string[], openTime: [] as Date[], price: [] as string[], volume: [] as string[] };
  for (const tick of round.ticks) {
    const price = tick.price.toFixed();
    const previous = previousTicks.get(tick.symbol);
    for (const interval of CANDLE_INTERVALS) {
      const openTime = candleOpenTime(interval, round.time);
      const share = new Decimal(creditedMs(interval, openTime.getTime(), time, roundMs, previous)).div(DAY_MS);
      columns.symbol.push(tick.symbol);
      columns.interval.push(interval);
      columns.openTime.push(openTime);
      columns.price.push(price);
      columns.volume.push((tick.volume24h ?? new Decimal(0)).mul(share).toDecimalPlaces(8).toFixed());
    }
  }
  const rows = await tx.execute<CandleRow[]>(
    `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, tick_count)
     SELECT symbol, interval, open_time, price, price, price, price, volume, 1
       FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::numeric[], ?::numeric[]) AS tick(symbol, interval, open_time, price, volume)
     ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
       high = GREATEST(candles.high, EXCLUDED.high),
       low = LEAST(candles.low, EXCLUDED.low),
       close = EXCLUDED.close,
       volume = candles.volume + EXCLUDED.volume,
       tick_count = candles.tick_count + 1,
       revision = candles.revision + 1
     WHERE candles.tick_count > 0
     RETURNING *`,
    [arrayParameter(columns.symbol), arrayParameter(columns.interval), arrayParameter(columns.openTime), arrayParameter(columns.price), arrayParameter(columns.volume)],
  );
  return rows.map(toCandle);
}

/**
 * The time a tick at `time` credits to its `interval` candle (open at `openTime`):
 * what it stands for, from the end of the previous tick's round (its own round's
 * start when there is none, or the interval shortened since) to the end of its
 * round, cut to the candle's period. A round that runs past the period's end
 * (rounds longer than the candle, or that do not divide it: a 7-minute round at
 * 23:57 runs 4 minutes into the next day) credits that part to no candle now:
 * the next tick, in the next period, credits it to its own candle, from that
 * period's start. Time before the period's start (rounds missed in an earlier
 * period) is not credited: the earlier candle's period has ended, so it is
 * closed (by this round, before its ticks, or by a round without ticks) and
 * announced with its volume; it keeps what it had, and the time is not moved
 * into a period it does not belong to. Every moment is credited once at most
 * per interval, and, while rounds come, once: at a steady 24-hour volume a D1
 * candle holds exactly that volume, whatever the interval.
 */
export function creditedMs(interval: CandleInterval, openTime: number, time: number, roundMs: number, previous: number | undefined): number {
  const closeTime = openTime + INTERVAL_MS[interval];
  // The previous tick credited its own candle up to its round's end or that candle's close, whichever came
  // first: in an earlier period, this candle is credited from its period's start (never earlier).
  const from = previous === undefined ? time : previous < openTime ? openTime : Math.min(previous + roundMs, time);
  return Math.min(time + roundMs, closeTime) - from;
}

function tickEvent(round: MarketRound): MarketTickEvent {
  return {
    time: round.time.toISOString(),
    prices: round.ticks.map((t) => ({
      symbol: t.symbol,
      price: t.price.toFixed(),
      source: t.source,
      volume24h: t.volume24h?.toFixed() ?? null,
      change24h: t.percentChange24h?.toFixed() ?? null,
    })),
  };
}

function fxEvent(round: MarketRound): MarketFxEvent {
  return { time: round.time.toISOString(), base: 'USD', rates: Object.fromEntries(round.fx.map((rate) => [rate.quote, rate.rate.toFixed()])) };
}

export function candleEvent(candle: Candle): MarketCandleEvent {
  return {
    symbol: candle.symbol,
    interval: candle.interval,
    openTime: candle.openTime.toISOString(),
    closeTime: candle.closeTime.toISOString(),
    open: candle.open.toFixed(),
    high: candle.high.toFixed(),
    low: candle.low.toFixed(),
    close: candle.close.toFixed(),
    volume: candle.volume.toFixed(),
    revision: candle.revision ?? 0,
  };
}
