import { NotFoundError, ReferenceResolvers } from '@herck/common';
import { MarketContext } from '../../context';
import { Asset } from './asset.entity';

/**
 * Other subgraphs refer to assets by symbol (an order's, an alert's). One market does not know is
 * NOT_FOUND, never a made-up asset, as account answers for an account that is gone: resolved to null,
 * the non-null `asset` nulled its parents with no error for the client to read.
 */
export const marketReferenceResolvers: ReferenceResolvers = {
  Asset: {
    async __resolveReference(reference: Pick<Asset, 'symbol'>, context: MarketContext): Promise<Asset> {
      const asset = await context.assetsBySymbol.load(reference.symbol);
      if (!asset) throw new NotFoundError('Asset');
      return asset;
    },
  },
};
