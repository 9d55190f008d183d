import { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, Connection, pageInfoOf, pageSize, searchText } from '@herck/common';
import { MAX_PAGE } from '../paging/time-page';
import { Asset } from './asset.entity';
import { DEFAULT_ASSETS } from './default-assets';
import { isSymbol, normaliseSymbol } from './symbol-rules';

/** Which assets the market follows. */
export class AssetService {
  /** Tracks the configured symbols on first start; later starts leave admins' choices alone. */
  async seed(em: EntityManager, symbols: string[]): Promise<void> {
    if (await em.count(Asset, {})) return;
    for (const symbol of symbols) em.create(Asset, { symbol, name: defaultName(symbol) });
    await em.flush();
  }

  async track(em: EntityManager, rawSymbol: string, name: string | null): Promise<Asset> {
    const symbol = normaliseSymbol(rawSymbol);
    // Omitted or null keeps the name it has (or the symbol, for a new asset); blank is no name.
    const displayName = name == null ? null : name.trim();
    if (displayName !== null && (displayName.length === 0 || displayName.length > 100 || /\p{C}/u.test(displayName))) {
      throw new BadUserInputError('name must be 1 to 100 printable characters', 'name');
    }
    // One statement: two admins (or a double click) tracking a new symbol at once both succeed.
    const [row] = await em.execute<Record<string, unknown>[]>(
      `INSERT INTO assets (symbol, name, tracked) VALUES (?, ?, true)
       ON CONFLICT (symbol) DO UPDATE SET tracked = true, name = COALESCE(?, assets.name) RETURNING *`,
      [symbol, displayName ?? defaultName(symbol), displayName],
    );
    return em.map(Asset, row!);
  }

  async untrack(em: EntityManager, rawSymbol: string): Promise<void> {
    const symbol = normaliseSymbol(rawSymbol);
    const asset = await em.findOne(Asset, { symbol });
    if (!asset) throw new BadUserInputError(`No asset ${symbol} is known`, 'symbol');
    asset.tracked = false;
    await em.flush();
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

/** The symbol a page's cursor names (its base64url), or BAD_USER_INPUT on `after` for anything else. */
function symbolOfCursor(cursor: string): string {
  const symbol = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isSymbol(symbol) || Buffer.from(symbol).toString('base64url') !== cursor) throw new BadUserInputError('after is not a cursor this list gave out', 'after');
  return symbol;
}

function defaultName(symbol: string): string {
  return DEFAULT_ASSETS.find((asset) => asset.symbol === symbol)?.name ?? symbol;
}
