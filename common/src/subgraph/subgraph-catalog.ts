/**
 * Every subgraph of the supergraph, with its default port and workspace.
 * Adding a subgraph starts here; the gateway, `npm start` and composition read it.
 */
export const SUBGRAPHS = [
  { name: 'account', port: 4001, workspace: 'subgraphs/account' },
  { name: 'auth', port: 4002, workspace: 'subgraphs/auth' },
  { name: 'market', port: 4003, workspace: 'subgraphs/market' },
  { name: 'analysis', port: 4004, workspace: 'subgraphs/analysis' },
  { name: 'orders', port: 4005, workspace: 'subgraphs/orders' },
  { name: 'logs', port: 4006, workspace: 'subgraphs/logs' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function subgraphDefaults(name: SubgraphName): (typeof SUBGRAPHS)[number] {
  return SUBGRAPHS.find((subgraph) => subgraph.name === name)!;
}
