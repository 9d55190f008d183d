import { migrations } from './migrations';
import { Asset } from './modules/asset/asset.entity';

/** What the market subgraph keeps in its database (ticks, candles and rounds are written with SQL of their own). */
export const marketStore = { entities: [Asset], migrations };
