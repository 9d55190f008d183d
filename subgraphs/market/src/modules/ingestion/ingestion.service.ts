import { DriverException, EntityManager } from '@mikro-orm/postgresql';
import { isStoreUnavailable, SubgraphRuntime } from '@herck/common';
import { Asset } from '../asset/asset.entity';
import { HistoryRepository } from '../history/history.repository';
import { LiveFeed } from '../live/live-feed';
import { FallbackFx } from '../provider/fallback-fx';
import { MarketProvider, ProviderError, ProviderTimeout } from '../provider/market-provider';
import { DISABLED, ProviderAvailability, ProviderStates } from '../provider/provider-states';
import { SnapshotStore } from '../snapshot/snapshot-store';
import { Candle } from '../candle/candle.type';
import { Tick } from '../tick/tick.type';
import { MarketRound } from './market-round';
import { FIRST_RETRY_MS, GaveUp, RetryPolicy, RetryWithin, retryWithinRound } from './round-retries';
import { noTickReason, RoundOutcome } from './round-outcome';
import { lockRoundRecords } from './round-record-lock';
import { closeCandlesWithoutTicks, writeRound, WrittenRound } from './round-writer';

export interface IngestionSettings {
  intervalSeconds: number;
  providerTimeoutMs: number;
  /** Attempts at a provider that fails transiently, within its time for the round (1: no retry). */
  providerAttempts: number;
  /** The wait before a first retry in a round (doubling after); FIRST_RETRY_MS unless a test needs it shorter. */
  firstRetryMs?: number;
}

/**
 * One ingestion round: asks every enabled provider at once, takes each
 * symbol's tick from the first provider (in priority order) that has it, and
 * writes the round with the providers' health. A provider that fails
 * transiently is asked again within its time for the round; one that still
 * fails only fails for this round, and the round goes on with the others.
 * Live publication follows the commit. Every statement is on the way from a
 * provider to a client, so a round makes as few as it can, all in one
 * transaction.
 */
export class IngestionService {
  /** The tracked assets no provider quoted in the last round that had ticks, as last reported (joined). */
  private lastUnquoted = '';

  constructor(
    private readonly runtime: Pick<SubgraphRuntime, 'orm' | 'logger' | 'publishEvents'>,
    private readonly providers: MarketProvider[],
    private readonly providerStates: ProviderStates,
    private readonly settings: IngestionSettings,
    private readonly snapshot: SnapshotStore,
    private readonly live: LiveFeed,
    /** The round's FX rates when no listed provider gives any (see fallbackFx). */
    private readonly fallbackFx: FallbackFx | null = null,
  ) {}

  async runRound(time: Date): Promise<void> {
    const { orm } = this.runtime;
    // What the round asks for, and of whom. A blip of the store here is tried again as a write is; a round
    // that still cannot start is a gap with its reason (the schedule records none for a round that ran).
    let assets: Asset[];
    let availability: Map<string, ProviderAvailability>;
    try {
      ({ value: [assets, availability] } = await retryWithinRound(
        () => Promise.all([orm.em.fork().find(Asset, { tracked: true }, { orderBy: { symbol: 'asc' } }), this.providerStates.availabilityAt(orm.em.fork(), time)]),
        this.storeRetries(time, 'market round could not read its assets; trying again'),
      ));
    } catch (gaveUp) {
      const error = gaveUp instanceof GaveUp ? gaveUp.failure : gaveUp;
      await recordGap(orm.em.fork(), time, `the round could not be prepared: ${storeFailure(error)}`.slice(0, 500)).catch(() => undefined);
      throw error;
    }
    const symbols = assets.map((asset) => asset.symbol);
    const outcomes = await Promise.all(this.providers.map((provider) => this.ask(provider, availability.get(provider.name), symbols, time)));
    const round = merge(time, symbols, outcomes, this.fallbackFx);
    // The providers' health commits with the round: whoever sees the round sees how it was asked.
    const recordProviders = (tx: EntityManager) =>
      this.providerStates.record(tx, time, outcomes.flatMap((o) => ('notAsked' in o ? [] : [{ name: o.provider.name, ...('error' in o ? { error: o.error, retryAfterSeconds: o.retryAfterSeconds, failedAfterMs: o.failedAfterMs } : {}) }])));
    const em = orm.em.fork();
    if (!round.ticks.length) return this.closeWithoutTicks(time, noTickReason(symbols, outcomes), recordProviders);
    this.reportUnquoted(symbols, round);
    let written: WrittenRound;
    try {
      // On a dropped connection or a conflict the write is tried again, in time for the next round; an
      // attempt whose commit went through all the same leaves the round stored, and the next finds it so.
      ({ value: written } = await retryWithinRound(() => writeRound(orm.em.fork(), round, this.settings.intervalSeconds, recordProviders), this.storeRetries(time, 'market round could not be stored; trying again')));
    } catch (gaveUp) {
      const error = gaveUp instanceof GaveUp ? gaveUp.failure : gaveUp;
      // The round is lost, so it is a gap; what the providers said is not (a 429's Retry-After must still hold).
      // Unless an attempt's commit went through after all: the round is in the history, with its providers' health.
      await em
        .transactional(async (tx) => {
          await lockRoundRecords(tx);
          if ((await tx.execute('SELECT 1 FROM global_metrics WHERE time = ?', [time])).length) return;
          await recordProviders(tx);
          await recordGap(tx, time, `the round could not be stored: ${storeFailure(error)}`.slice(0, 500));
        })
        .catch(() => undefined);
      throw error;
    }
    this.runtime.publishEvents();
    if (written.superseded) return this.runtime.logger.warn('market round not stored: a later one was', { roundTime: time });
    if (written.alreadyStored) return this.publishStored(time);
    // Only this replica writes rounds, and it ignores its own announcements: it publishes every one.
    // An asset an admin changed since it was read here (while the providers answered) keeps its change (see update).
    this.snapshot.update(round, assets);
    this.live.publishRound(round.ticks);
    this.live.publishCandles([...written.closedCandles, ...written.updatedCandles]);
  }

  /**
   * A round that got no tick at all is a gap, but its time has come all the same: the candles whose period
   * has ended close now, with the gap and the providers' health, in one transaction tried again as a round's
   * write is. Given up, the gap and the health are recorded on their own (a 429's Retry-After must still
   * hold), and the candles close with the next round. An attempt whose commit went through before its
   * connection dropped recorded them already: they are not recorded twice.
   */
  private async closeWithoutTicks(time: Date, reason: string, recordProviders: (tx: EntityManager) => Promise<void>): Promise<void> {
    const { orm } = this.runtime;
    const recordRound = async (tx: EntityManager) => {
      if ((await tx.execute('SELECT 1 FROM ingestion_gaps WHERE round_time = ?', [time])).length) return;
      await recordProviders(tx);
      await recordGap(tx, time, reason);
    };
    let closed: Candle[];
    try {
      ({ value: closed } = await retryWithinRound(() => closeCandlesWithoutTicks(orm.em.fork(), time, recordRound), this.storeRetries(time, 'market round without ticks could not be stored; trying again')));
    } catch (gaveUp) {
      const error = gaveUp instanceof GaveUp ? gaveUp.failure : gaveUp;
      await orm.em
        .fork()
        .transactional(async (tx) => {
          await lockRoundRecords(tx);
          await recordRound(tx);
        })
        .catch(() => undefined);
      throw error;
    }
    this.runtime.publishEvents();
    this.live.publishRoundCloses(time, closed);
  }

  /** What a round reads and writes is tried again on a failure of the store that may pass, in time for the next round. */
  private storeRetries(time: Date, retrying: string): RetryWithin {
    return {
      mayPass: mayPassInStore,
      policy: this.retryPolicy(WRITE_ATTEMPTS),
      deadlineAt: time.getTime() + this.settings.intervalSeconds * 1000 - 250,
      onRetry: (retry) => this.runtime.logger.warn(retrying, { roundTime: time, ...retry }),
    };
  }

  /**
   * A round found stored already (an attempt whose commit went through before its connection
   * dropped, or another replica's) is published as the store holds it, as a standby does, and
   * only if the snapshot had not taken it yet.
   */
  private async publishStored(time: Date): Promise<void> {
    const history = new HistoryRepository(this.runtime.orm.em.fork());
    const stored = await history.round(time);
    if (stored && this.snapshot.update(stored, await history.assetsOf(stored))) {
      this.live.publishRound(stored.ticks);
      this.live.publishCandles(await history.candlesOfRound(stored));
    }
  }

  /**
   * A tracked asset no provider quoted while others were is no gap (the round stands) and no provider's
   * failure (each answers for what it has, and failover fills in per symbol), so nothing else would say
   * so: a warning names them when the set changes (not every round), an info line when all are back.
   */
  private reportUnquoted(symbols: string[], round: MarketRound): void {
    const quoted = new Set(round.ticks.map((tick) => tick.symbol));
    const unquoted = symbols.filter((symbol) => !quoted.has(symbol));
    const key = unquoted.join(',');
    if (key === this.lastUnquoted) return;
    if (unquoted.length) this.runtime.logger.warn('no provider quoted these tracked assets', { symbols: unquoted, roundTime: round.time });
    else this.runtime.logger.info('every tracked asset is quoted again');
    this.lastUnquoted = key;
  }

  private retryPolicy(attempts: number): RetryPolicy {
    return { attempts, firstRetryMs: this.settings.firstRetryMs ?? FIRST_RETRY_MS };
  }

  private async ask(provider: MarketProvider, availability: ProviderAvailability | undefined, symbols: string[], time: Date): Promise<RoundOutcome> {
    if (!availability) return { provider, notAsked: 'not registered' };
    if (!availability.available) return { provider, notAsked: availability.reason };
    if (!symbols.length) return { provider, notAsked: 'no asset is tracked' };
    // A provider never holds the round past its own interval: the next boundary would be missed.
    const timeoutMs = Math.min(this.settings.providerTimeoutMs, Math.max(this.settings.intervalSeconds * 1000 - 250, 250));
    // Aborted with a ProviderTimeout, so the provider can say which of its requests was still waiting.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new ProviderTimeout(timeoutMs)), timeoutMs);
    const asked = performance.now();
    const { logger } = this.runtime;
    try {
      const { value: round, attempts } = await retryWithinRound(() => provider.fetchRound(symbols, time, deadline.signal), {
        mayPass: (error) => error instanceof ProviderError && error.transient,
        policy: this.retryPolicy(this.settings.providerAttempts),
        deadlineAt: Date.now() + timeoutMs,
        signal: deadline.signal,
        onRetry: (retry) => logger.info('market provider failed; asking it again in this round', { provider: provider.name, ...retry }),
      });
      if (attempts > 1) logger.info('market provider answered on a later attempt', { provider: provider.name, attempts });
      if (round.globalError) logger.warn('market provider gave no market-wide figures this round; its quotes stand', { provider: provider.name, reason: round.globalError });
      return { provider, round };
    } catch (gaveUp) {
      const { failure: error, attempts } = gaveUp instanceof GaveUp ? gaveUp : { failure: gaveUp, attempts: 1 };
      // Every error starts with the provider's name, as a ProviderError's does: admins read them side by side.
      const reason =
        error instanceof ProviderError
          ? error.message
          : deadline.signal.aborted
            ? `${provider.name}: timed out after ${timeoutMs} ms`
            : `${provider.name}: failed: ${(error as Error)?.message ?? String(error)}`;
      const message = attempts > 1 ? `${reason} (${attempts} attempts)` : reason;
      logger.warn('market provider failed this round', { provider: provider.name, reason: message });
      return { provider, error: message, retryAfterSeconds: error instanceof ProviderError ? error.retryAfterSeconds : null, failedAfterMs: performance.now() - asked };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Attempts at writing a round whose transaction failed in a way that may pass. */
const WRITE_ATTEMPTS = 3;

/** PostgreSQL codes of a transaction that may go through when tried again: a serialization failure, a deadlock. */
const RETRYABLE_TRANSACTION_CODES = new Set(['40001', '40P01']);

/** A failure of the store that a second try may not meet: a connection lost or refused, a conflict with another transaction. */
function mayPassInStore(error: unknown): boolean {
  return isStoreUnavailable(error) || RETRYABLE_TRANSACTION_CODES.has(String((error as { code?: unknown })?.code ?? ''));
}

/**
 * Per symbol, the first provider in priority order that has it; the first global figures likewise. FX
 * rates come from the first listed provider that gives them (one an admin switched off aside), and only
 * from it: in a round it fails the round has none, and consumers keep the last (a reference-rate source
 * is never mixed with simulated rates).
 */
function merge(time: Date, symbols: string[], outcomes: RoundOutcome[], fallbackFx: FallbackFx | null): MarketRound {
  const tracked = new Set(symbols);
  const fxSource = outcomes.find((outcome) => outcome.provider.givesFxRates && !('notAsked' in outcome && outcome.notAsked === DISABLED))?.provider;
  const ticks = new Map<string, Tick>();
  const round: MarketRound = { time, ticks: [], global: null, globalSource: null, fx: [] };
  for (const outcome of outcomes) {
    if (!('round' in outcome)) continue;
    const source = outcome.provider.name;
    for (const quote of outcome.round.quotes) {
      if (!tracked.has(quote.symbol) || ticks.has(quote.symbol)) continue;
      ticks.set(quote.symbol, { ...quote, time, quoteCurrency: 'USD', source });
    }
    if (!round.global && outcome.round.global) {
      round.global = { time, ...outcome.round.global };
      round.globalSource = source;
    }
    if (outcome.provider === fxSource) round.fx = outcome.round.fx.map((rate) => ({ base: 'USD', quote: rate.quote, rate: rate.rate, time }));
  }
  if (!round.fx.length && fallbackFx) round.fx = fallbackFx(time).map((rate) => ({ base: 'USD', quote: rate.quote, rate: rate.rate, time }));
  round.ticks = symbols.flatMap((symbol) => ticks.get(symbol) ?? []);
  return round;
}

/**
 * Records the boundary `time` as a gap, unless it is a round in the store: a boundary is one or the
 * other (see lockRoundRecords; a transaction that calls this takes the lock first, before row locks).
 */
export async function recordGap(em: EntityManager, time: Date, reason: string): Promise<void> {
  const record = async (tx: EntityManager) => {
    await lockRoundRecords(tx);
    await tx.execute(
      `INSERT INTO ingestion_gaps (round_time, reason) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM global_metrics WHERE time = ?)
       ON CONFLICT DO NOTHING`,
      [time, reason, time],
    );
  };
  await (em.isInTransaction() ? record(em) : em.transactional(record));
}

/** Why a round's transaction failed, for its gap: the store's error code, not the statement (kilobytes of SQL, in the market log). */
function storeFailure(error: unknown): string {
  if (error instanceof DriverException) return `PostgreSQL error ${error.code ?? 'without a code'}`;
  return error instanceof Error ? error.message : String(error);
}
