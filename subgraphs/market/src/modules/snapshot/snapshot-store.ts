import { Asset } from '../asset/asset.entity';
import { FxRate } from '../fx/fx-rate.type';
import { GlobalMetrics } from '../global/global-metrics.type';
import { MarketRound } from '../ingestion/market-round';
import { Tick } from '../tick/tick.type';

/**
 * The latest round, in memory: `marketSnapshot`, `latestTick` and the ticks and
 * figures of the current round never read the database.
 */
export class SnapshotStore {
  private round: MarketRound | null = null;
  private bySymbol = new Map<string, Tick>();
  private assets = new Map<string, Asset>();
  /** The newest copy of each asset an admin changed, taken so far: a round's assets read before a change must not undo it. */
  private changedAssets = new Map<string, Asset>();

  get time(): Date | null {
    return this.round?.time ?? null;
  }

  /** The latest round's FX rates (base USD); empty when its providers gave none. */
  get fx(): FxRate[] {
    return this.round?.fx ?? [];
  }

  get global(): GlobalMetrics | null {
    return this.round?.global ?? null;
  }

  /**
   * Takes a newer round, with the assets it quotes (so `Tick.asset` of the
   * snapshot needs no query either); an older one (arriving late from another
   * replica) is ignored. An asset changed since it was read (renamed while the
   * round asked its providers) keeps its newer copy (the higher version), not the one the round read.
   */
  update(round: MarketRound, assets: Asset[]): boolean {
    if (this.round && this.round.time >= round.time) return false;
    this.round = round;
    this.bySymbol = new Map(round.ticks.map((tick) => [tick.symbol, tick]));
    this.assets = new Map(assets.map((asset) => [asset.symbol, newer(asset, this.changedAssets.get(asset.symbol))]));
    return true;
  }

  /**
   * An asset changed (its name or whether it is tracked, on this replica or another): the copy
   * held since the round is replaced, so that `Tick.asset` of the snapshot answers what
   * `asset(symbol)` reads from then on, not the old name until the next round (a minute,
   * with real providers). An asset the round does not hold is left for the next round to bring.
   * Copies arrive out of order (a rename's own answer after a later rename's announcement):
   * one older than the copy held is ignored.
   */
  assetChanged(asset: Asset): void {
    this.changedAssets.set(asset.symbol, newer(asset, this.changedAssets.get(asset.symbol)));
    const held = this.assets.get(asset.symbol);
    if (held) this.assets.set(asset.symbol, newer(asset, held));
  }

  /** A tracked asset as of the latest round, or null (the round may have no tick for it). */
  asset(symbol: string): Asset | null {
    return this.assets.get(symbol) ?? null;
  }

  /** The latest round's ticks, for the given symbols (all when null), in symbol order. */
  ticks(symbols: string[] | null = null): Tick[] {
    if (!symbols) return [...this.bySymbol.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
    return symbols.flatMap((symbol) => this.bySymbol.get(symbol) ?? []);
  }

  /**
   * The latest round's ticks of the assets still tracked, for the given symbols (all when null), in
   * symbol order: an asset untracked since the round was taken is left out at once, as `assets` leaves
   * it out, not only from the next round on.
   */
  trackedTicks(symbols: string[] | null = null): Tick[] {
    return this.ticks(symbols).filter((tick) => this.assets.get(tick.symbol)?.tracked !== false);
  }

  latestTick(symbol: string): Tick | null {
    return this.bySymbol.get(symbol) ?? null;
  }

  /** Whether `time` is the round held here (its ticks and figures can be served from memory). */
  holds(time: Date): boolean {
    return this.round?.time.getTime() === time.getTime();
  }
}

/** The newer of two copies of one asset; the first when they are of one version. */
function newer(asset: Asset, other: Asset | undefined): Asset {
  return other && other.version > asset.version ? other : asset;
}
