import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { BadUserInputError, characterLength, Connection, isTickerSymbol, MARKET_ASSET, MarketAssetEvent, OutboxMessage, pageInfoOf, pageSize, searchText } from '@herck/common';
import { MAX_PAGE } from '../paging/time-page';
import { Asset } from './asset.entity';
import { DEFAULT_ASSETS } from './default-assets';
import { normaliseSymbol } from './symbol-rules';

/** Channel on which a change of an asset (its symbol) reaches every replica's snapshot, on commit. */
export const ASSET_CHANNEL = 'market_asset';

/** Held while the first start's assets are written. */
const SEED_LOCK = 'herck:market:seed';

/**
 * Which assets the market follows. Each asset it starts or stops following is
 * announced on the bus in the same transaction: analysis learns of a new one
 * then, not only with its first tick (up to a round later).
 */
export class AssetService {
  /**
   * @param relayEvents puts committed announcements on the bus (bounded in time): an admin who
   * tracks an asset can have a user's strategy watch it the moment the answer arrives.
   */
  constructor(private readonly relayEvents: () => Promise<void> = async () => undefined) {}

  /**
   * Tracks the configured symbols on first start; later starts leave admins' choices alone. Replicas
   * starting at once on an empty store take turns (a lock, then the count): one seeds, the others find it done.
   */
  async seed(em: EntityManager, symbols: string[]): Promise<void> {
    const seeded = await em.transactional(async (tx) => {
      await tx.execute(`SELECT pg_advisory_xact_lock(hashtext('${SEED_LOCK}'))`);
      if (await tx.count(Asset, {})) return false;
      for (const symbol of symbols) {
        const asset = tx.create(Asset, { symbol, name: defaultName(symbol) });
        announce(tx, asset);
      }
      return true;
    });
    if (seeded) await this.relayEvents();
  }

  async track(em: EntityManager, rawSymbol: string, name: string | null): Promise<Asset> {
    const symbol = normaliseSymbol(rawSymbol);
    // Omitted or null keeps the name it has (or the symbol, for a new asset); blank is no name.
    const displayName = name == null ? null : name.trim();
    if (displayName !== null && (displayName.length === 0 || characterLength(displayName) > 100 || /\p{C}/u.test(displayName))) {
      throw new BadUserInputError('name must be 1 to 100 printable characters', 'name');
    }
    const asset = await em.transactional(async (tx) => {
      // One statement: two admins (or a double click) tracking a new symbol at once both succeed.
      const [row] = await tx.execute<Record<string, unknown>[]>(
        `INSERT INTO assets (symbol, name, tracked) VALUES (?, ?, true)
         ON CONFLICT (symbol) DO UPDATE SET tracked = true, name = COALESCE(?, assets.name), version = assets.version + 1 RETURNING *`,
        [symbol, displayName ?? defaultName(symbol), displayName],
      );
      const tracked = tx.map(Asset, row!);
      announce(tx, tracked);
      // Every replica's snapshot takes a new name at once, not with its next round.
      await tx.execute(`SELECT pg_notify('${ASSET_CHANNEL}', ?)`, [symbol]);
      return tracked;
    });
    await this.relayEvents();
    return asset;
  }

  async untrack(em: EntityManager, rawSymbol: string): Promise<Asset> {
    const symbol = normaliseSymbol(rawSymbol);
    const asset = await em.transactional(async (tx) => {
      // Locked before the announcement is stamped, as trackAsset's upsert locks the row first: a track and
      // an untrack at once are then stamped in the order they commit, which is the order consumers apply them.
      const asset = await tx.findOne(Asset, { symbol }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!asset) throw new BadUserInputError(`No asset ${symbol} is known`, 'symbol');
      asset.tracked = false;
      asset.version += 1;
      announce(tx, asset);
      // Every replica's snapshot leaves it out at once, not with its next round.
      await tx.execute(`SELECT pg_notify('${ASSET_CHANNEL}', ?)`, [symbol]);
      return asset;
    });
    await this.relayEvents();
    return asset;
  }

  /** Tracked assets in symbol order, optionally matching `search` in the symbol or name. */
  async page(em: EntityManager, search: string | null, first: number, after: string | null): Promise<Connection<Asset>> {
    pageSize(first, MAX_PAGE);
    const afterSymbol = after ? symbolOfCursor(after) : null;
    const text = searchText(search);
    const like = text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const assets = await em.find(
      Asset,
      {
        tracked: true,
        ...(afterSymbol && { symbol: { $gt: afterSymbol } }),
        ...(like && { $or: [{ symbol: { $ilike: like } }, { name: { $ilike: like } }] }),
      },
      { orderBy: { symbol: 'asc' }, limit: first + 1 },
    );
    const nodes = assets.slice(0, first);
    const edges = nodes.map((node) => ({ node, cursor: Buffer.from(node.symbol).toString('base64url') }));
    return { edges, nodes, pageInfo: pageInfoOf(edges, assets.length > first, Boolean(after)) };
  }
}

/** Flushed with the transaction: the announcement exists exactly when the change does. */
function announce(tx: EntityManager, asset: Asset): void {
  const event: MarketAssetEvent = { symbol: asset.symbol, name: asset.name, tracked: asset.tracked, changedAt: new Date().toISOString(), version: asset.version };
  tx.persist(new OutboxMessage(MARKET_ASSET, event as unknown as Record<string, unknown>));
}

/** The symbol a page's cursor names (its base64url), or BAD_USER_INPUT on `after` for anything else. */
function symbolOfCursor(cursor: string): string {
  const symbol = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isTickerSymbol(symbol) || Buffer.from(symbol).toString('base64url') !== cursor) throw new BadUserInputError('Invalid cursor', 'after');
  return symbol;
}

function defaultName(symbol: string): string {
  return DEFAULT_ASSETS.find((asset) => asset.symbol === symbol)?.name ?? symbol;
}
