import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { AssetAnnouncement, isBelievableTime, isUsableQuote } from '@herck/common';
import { isNewerAssetState, NEWER_ASSET_STATE } from './asset-state';

export interface CachedQuote {
  value: Decimal;
  time: Date;
}

/** Announced in the transaction that stores news, so every orders replica takes it from the store. */
export const PRICES_CHANNEL = 'orders_prices';

/**
 * The latest price of each asset (USD) and rate of each currency (units per
 * USD), and whether market still follows each asset, from market's events: in
 * memory for placing orders, in orders' own store so a restart starts from
 * them. Never older news over newer. One replica applies each batch of events;
 * the others take its news from the store when it announces it (`refresh`).
 */
export class PriceCache {
  private readonly prices = new Map<string, CachedQuote>();
  private readonly rates = new Map<string, CachedQuote>();
  private readonly assets = new Map<string, AssetAnnouncement>();

  /** What the store kept, but for what no order can be made at (kept before such news was left out). */
  async load(em: EntityManager, now: Date): Promise<void> {
    await this.takeFromStore(em, now, (table, key, column) => em.execute(`DELETE FROM ${table} WHERE ${column} = ?`, [key]));
  }

  /** What the store holds that is newer than memory: news another replica applied. */
  async refresh(em: EntityManager, now: Date): Promise<void> {
    await this.takeFromStore(em, now, async () => undefined);
  }

  private async takeFromStore(em: EntityManager, now: Date, unusable: (table: string, key: string, column: string) => Promise<unknown>): Promise<void> {
    const usable = (value: string, time: Date) => isUsableQuote(value) && isBelievableTime(new Date(time), now);
    for (const row of await em.execute<{ symbol: string; price: string; time: Date }[]>('SELECT symbol, price, time FROM prices')) {
      if (usable(row.price, row.time)) this.remember(this.prices, row.symbol, new Decimal(row.price), new Date(row.time));
      else await unusable('prices', row.symbol, 'symbol');
    }
    for (const row of await em.execute<{ currency: string; rate: string; time: Date }[]>('SELECT currency, rate, time FROM fx_rates')) {
      if (usable(row.rate, row.time)) this.remember(this.rates, row.currency, new Decimal(row.rate), new Date(row.time));
      else await unusable('fx_rates', row.currency, 'currency');
    }
    for (const row of await em.execute<{ symbol: string; tracked: boolean; version: string | null; changed_at: Date }[]>('SELECT symbol, tracked, version::text, changed_at FROM asset_states')) {
      this.rememberAsset({ symbol: row.symbol, tracked: row.tracked, version: row.version === null ? null : Number(row.version), changedAt: new Date(row.changed_at) });
    }
  }

  price(symbol: string): CachedQuote | undefined {
    return this.prices.get(symbol);
  }

  /**
   * False once market stopped following the asset: its cached price is no longer one to trade on (a
   * round read just before the untracking may still bring one). An asset with no announcement yet is
   * tracked: its price alone decides, as before market announced tracking.
   */
  tracked(symbol: string): boolean {
    return this.assets.get(symbol)?.tracked ?? true;
  }

  /** Units of `currency` per USD; USD itself is 1 as of the latest price time. */
  rate(currency: string, at: Date): CachedQuote | undefined {
    return currency === 'USD' ? { value: new Decimal(1), time: at } : this.rates.get(currency);
  }

  async savePrices(em: EntityManager, time: Date, prices: { symbol: string; price: string }[]): Promise<void> {
    for (const { symbol, price } of prices) {
      await em.execute('INSERT INTO prices (symbol, price, time) VALUES (?, ?, ?) ON CONFLICT (symbol) DO UPDATE SET price = excluded.price, time = excluded.time WHERE prices.time < excluded.time', [symbol, price, time]);
    }
    await announce(em);
    // Memory takes the news before the batch commits: it is market's own data either way, and a
    // rolled-back batch is applied again (replaying an event leaves both as they are).
    for (const { symbol, price } of prices) this.remember(this.prices, symbol, new Decimal(price), time);
  }

  async saveRates(em: EntityManager, time: Date, rates: Record<string, string>): Promise<void> {
    for (const [currency, rate] of Object.entries(rates)) {
      await em.execute('INSERT INTO fx_rates (currency, rate, time) VALUES (?, ?, ?) ON CONFLICT (currency) DO UPDATE SET rate = excluded.rate, time = excluded.time WHERE fx_rates.time < excluded.time', [currency, rate, time]);
    }
    await announce(em);
    for (const [currency, rate] of Object.entries(rates)) this.remember(this.rates, currency, new Decimal(rate), time);
  }

  /** An asset market started or stopped following, unless the store holds newer news of it. */
  async saveAssetState(em: EntityManager, state: AssetAnnouncement): Promise<void> {
    await em.execute(
      `INSERT INTO asset_states (symbol, tracked, version, changed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (symbol) DO UPDATE SET tracked = excluded.tracked, version = excluded.version, changed_at = excluded.changed_at
       WHERE ${NEWER_ASSET_STATE}`,
      [state.symbol, state.tracked, state.version, state.changedAt],
    );
    await announce(em);
    // As with prices: memory takes it before the batch commits, and a rolled-back batch is applied again.
    this.rememberAsset(state);
  }

  private rememberAsset(state: AssetAnnouncement): void {
    if (isNewerAssetState(state, this.assets.get(state.symbol))) this.assets.set(state.symbol, state);
  }

  private remember(into: Map<string, CachedQuote>, key: string, value: Decimal, time: Date): void {
    const known = into.get(key);
    if (!known || known.time < time) into.set(key, { value, time });
  }
}

/** Delivered when the batch commits; PostgreSQL sends one for a whole transaction's identical announcements. */
async function announce(em: EntityManager): Promise<void> {
  await em.execute(`SELECT pg_notify('${PRICES_CHANNEL}', '')`);
}
