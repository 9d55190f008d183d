import { migrations } from './migrations';

/** What the orders subgraph keeps in its database (written with SQL of its own). */
export const ordersStore = { entities: [], migrations };
