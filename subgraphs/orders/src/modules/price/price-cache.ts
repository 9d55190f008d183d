import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { AssetAnnouncement, isBelievableTime, isUsableQuote } from '@herck/common';
import { AssetState, isNewerAssetState, NEWER_ASSET_STATE } from './asset-state';

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
  private readonly assets = new Map<string, AssetState>();

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
    for (const row of await em.execute<AssetStateRow[]>(`SELECT ${ASSET_STATE_COLUMNS} FROM asset_states`)) this.rememberAsset(assetStateOf(row));
  }

  price(symbol: string): CachedQuote | undefined {
    return this.prices.get(symbol);
  }

  /**
   * The asset's price an order may be made at: none once market stopped following it, nor one from
   * before its latest untracking (a round read just before it may land after it, and a price cached
   * before it is no price to trade on once the asset is tracked again). An asset market never
   * announced is priced by its price alone, as before market announced tracking.
   */
  tradablePrice(symbol: string): CachedQuote | undefined {
    const price = this.prices.get(symbol);
    const state = this.assets.get(symbol);
    if (!price || !state) return price;
    if (!state.tracked || (state.untrackedAt && price.time <= state.untrackedAt)) return undefined;
    return price;
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
  async saveAssetState(em: EntityManager, announcement: AssetAnnouncement): Promise<void> {
    // A tracking keeps the latest untracking's time; an untracking sets it.
    const applied = await em.execute<AssetStateRow[]>(
      `INSERT INTO asset_states (symbol, tracked, version, changed_at, untracked_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (symbol) DO UPDATE SET tracked = excluded.tracked, version = excluded.version, changed_at = excluded.changed_at,
         untracked_at = CASE WHEN excluded.tracked THEN asset_states.untracked_at ELSE excluded.changed_at END
       WHERE ${NEWER_ASSET_STATE}
       RETURNING ${ASSET_STATE_COLUMNS}`,
      [announcement.symbol, announcement.tracked, announcement.version, announcement.changedAt, announcement.tracked ? null : announcement.changedAt],
    );
    await announce(em);
    // As with prices: memory takes it before the batch commits, and a rolled-back batch is applied again.
    for (const row of applied) this.rememberAsset(assetStateOf(row));
  }

  private rememberAsset(state: AssetState): void {
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

const ASSET_STATE_COLUMNS = 'symbol, tracked, version::text AS version, changed_at, untracked_at';
interface AssetStateRow {
  symbol: string;
  tracked: boolean;
  version: string | null;
  changed_at: Date;
  untracked_at: Date | null;
}

function assetStateOf(row: AssetStateRow): AssetState {
  return {
    symbol: row.symbol,
    tracked: row.tracked,
    version: row.version === null ? null : Number(row.version),
    changedAt: new Date(row.changed_at),
    untrackedAt: row.untracked_at === null ? null : new Date(row.untracked_at),
  };
}
