import { ReferenceResolvers } from '@herck/common';
import { MarketContext } from '../../context';
import { Asset } from './asset.entity';

/** Other subgraphs refer to assets by symbol; an unknown symbol resolves to null, never a made-up asset. */
export const marketReferenceResolvers: ReferenceResolvers = {
  Asset: {
    __resolveReference(reference: Pick<Asset, 'symbol'>, context: MarketContext): Promise<Asset | null> {
      return context.assetsBySymbol.load(reference.symbol);
    },
  },
};
