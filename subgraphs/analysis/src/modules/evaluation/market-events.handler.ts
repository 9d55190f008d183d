import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, Logger, MARKET_ASSET, MARKET_CANDLE, MARKET_FX, MARKET_TICK, MarketCandleEvent, usableAssetAnnouncement, usableFx, usableTick } from '@herck/common';
import { CandleStore } from '../candle/candle-store';
import { TickStore } from '../candle/tick-store';
import { writeOutcomes } from './outcome-writer';
import { Evaluator } from './evaluator';
import type { EvaluationOutcome } from './strategy-engine';

/**
 * Ticks are kept (backtests) and evaluated; closed candles are kept (warm-up,
 * backtests) and end their period. What fires is written in the consumer's transaction, with
 * its read position: a redelivered event raises nothing twice.
 */
/** `alertsPerAccountPerHour`: the most alerts an account's strategies store in an hour (see AlertBudget). */
export function marketEventHandlers(engine: Evaluator, logger: Logger, alertsPerAccountPerHour: number): Record<string, BusEventHandler> {
  return {
    async [MARKET_TICK](event: BusEvent, em: EntityManager) {
      // A round dated ahead would hold its prices as the latest for that long; a price not above
      // zero is no price (portfolios divide by rates, conditions would fire on it).
      const round = usableTick(event, new Date(), logger);
      if (!round) return;
      const { time, usable: prices } = round;
      // Portfolios value today's holdings at the latest price; a candle closing next keeps the change
      // evaluation reads then (the last one given, as the engine keeps it).
      await em.execute(
        `INSERT INTO latest_prices (symbol, price, time, change24h) SELECT p->>'symbol', (p->>'price')::numeric, ?, (p->>'change24h')::numeric FROM jsonb_array_elements(?::jsonb) p
         ON CONFLICT (symbol) DO UPDATE SET price = excluded.price, time = excluded.time, change24h = COALESCE(excluded.change24h, latest_prices.change24h)
         WHERE latest_prices.time < excluded.time`,
        [time, JSON.stringify(prices)],
      );
      // Strategies may watch what market prices. Only market's `market.asset` says an untracked symbol
      // is tracked again: a round that read it just before its untracking may land just after.
      await em.execute(
        `INSERT INTO symbols (symbol, seen_at) SELECT jsonb_array_elements_text(?::jsonb), ?
         ON CONFLICT (symbol) DO UPDATE SET seen_at = excluded.seen_at`,
        [JSON.stringify(prices.map((quote) => quote.symbol)), time],
      );
      // As evaluation reads them: a backtest of a strategy that evaluates on ticks replays them.
      await TickStore.saveRound(em, time, prices);
      // The whole round is evaluated, then written at once (see writeOutcomes: its strategies are locked first).
      const outcomes: EvaluationOutcome[] = [];
      for (const quote of prices) {
        const change = quote.change24h === null || quote.change24h === undefined ? Number.NaN : Number(quote.change24h);
        const outcome = await engine.onTick(quote.symbol, time, Number(quote.price), change);
        // Conditions compute with floats; an alert records the price exactly as market announced it.
        for (const firing of outcome.firings) firing.exactPrice = quote.price;
        outcomes.push(outcome);
      }
      await writeOutcomes(em, outcomes, logger, alertsPerAccountPerHour);
    },

    // Portfolios in other currencies than USD convert with each day's last rate.
    async [MARKET_FX](event: BusEvent, em: EntityManager) {
      const round = usableFx(event, new Date(), logger);
      if (!round) return;
      for (const [currency, rate] of Object.entries(round.usable)) {
        await em.execute(
          `INSERT INTO daily_fx (currency, day, rate, time) VALUES (?, (?::timestamptz AT TIME ZONE 'UTC')::date, ?, ?)
           ON CONFLICT (currency, day) DO UPDATE SET rate = excluded.rate, time = excluded.time WHERE daily_fx.time < excluded.time`,
          [currency, round.time, rate, round.time],
        );
      }
    },

    // Strategies may watch an asset from the moment market follows it, before its first tick, and
    // no new one may watch it once market stops (existing ones keep it). Of two announcements of one
    // asset the newer is the one with the higher version, not the later on the bus nor the later
    // `changedAt` (replicas' clocks differ). Announcements made
    // before versions existed are older than any versioned one; among themselves their times decide.
    async [MARKET_ASSET](event: BusEvent, em: EntityManager) {
      const change = usableAssetAnnouncement(event, logger);
      if (!change) return;
      const { changedAt, version } = change;
      // Newer than what the row holds: a higher version, any version over none, or neither has one.
      const newer = 'COALESCE(symbols.asset_version < excluded.asset_version, symbols.asset_version IS NULL)';
      if (change.tracked) {
        await em.execute(
          `INSERT INTO symbols (symbol, seen_at, asset_version) VALUES (?, ?, ?)
           ON CONFLICT (symbol) DO UPDATE SET untracked_at = NULL, asset_version = excluded.asset_version
           WHERE ${newer} AND (excluded.asset_version IS NOT NULL OR symbols.untracked_at <= excluded.seen_at)`,
          [change.symbol, changedAt, version],
        );
      } else {
        // Kept even for a symbol not seen yet: a tick or candle of it still on its way must not make it tracked.
        const untracked = await em.execute(
          `INSERT INTO symbols (symbol, seen_at, untracked_at, asset_version) VALUES (?, ?, ?, ?)
           ON CONFLICT (symbol) DO UPDATE SET
             untracked_at = CASE WHEN excluded.asset_version IS NULL THEN GREATEST(symbols.untracked_at, excluded.untracked_at) ELSE excluded.untracked_at END,
             asset_version = excluded.asset_version
           WHERE ${newer}
           RETURNING symbol`,
          [change.symbol, changedAt, changedAt, version],
        );
        // The strategies still watching it see no more of it: an error they had for it is theirs no longer.
        if (untracked.length) await writeOutcomes(em, [await engine.onSymbolUntracked(change.symbol)], logger, alertsPerAccountPerHour);
      }
    },

    async [MARKET_CANDLE](event: BusEvent, em: EntityManager) {
      const candle = event.payload as unknown as MarketCandleEvent;
      const stored = await CandleStore.save(em, candle);
      await em.execute('INSERT INTO symbols (symbol, seen_at) VALUES (?, now()) ON CONFLICT (symbol) DO NOTHING', [candle.symbol]);
      const outcome = await engine.onCandleClosed({
        symbol: candle.symbol,
        interval: candle.interval,
        openTime: new Date(candle.openTime),
        open: Number(candle.open),
        high: Number(candle.high),
        low: Number(candle.low),
        close: Number(candle.close),
        volume: Number(candle.volume),
        // Of two closes of one period the series keeps the newer, whichever came first.
        revision: candle.revision,
        // What the stored close keeps, which a backtest reads too (and which a restarted analysis has before its first tick).
        change24h: stored.change24h,
        imported: candle.imported === true,
      });
      // An ON_CLOSE alert fires at the close: recorded exactly as market announced it, as a backtest gives it.
      for (const firing of outcome.firings) firing.exactPrice = candle.close;
      await writeOutcomes(em, [outcome], logger, alertsPerAccountPerHour);
    },
  };
}
