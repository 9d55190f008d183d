import { migrations } from './migrations';
import { Owner } from './modules/account/owner.entity';
import { Strategy } from './modules/strategy/strategy.entity';

/** What the analysis subgraph keeps in its database (candles, alerts, notifications and deliveries are written with SQL of their own). */
export const analysisStore = { entities: [Strategy, Owner], migrations };
