import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLSchema, parse, printSchema } from 'graphql';
import { buildAccountSchema } from '@herck/account';
import { buildAnalysisSchema } from '@herck/analysis';
import { buildAuthSchema } from '@herck/auth';
import { buildMarketSchema } from '@herck/market';
import { buildLogsSchema } from '@herck/logs';
import { buildOrdersSchema } from '@herck/orders';
import { SubgraphName, SUBGRAPHS } from '@herck/common';
import { buildGatewaySchema, GATEWAY_SUBGRAPH } from '@herck/gateway';

/** The schema each subgraph's code builds (the compiler insists on one per catalogued subgraph). */
const SCHEMA_BUILDERS: Record<SubgraphName, () => Promise<GraphQLSchema>> = {
  account: () => buildAccountSchema(),
  auth: () => buildAuthSchema(),
  market: () => buildMarketSchema(),
  analysis: () => buildAnalysisSchema(),
  orders: () => buildOrdersSchema(),
  logs: () => buildLogsSchema(),
};

export interface ComposedSchemas {
  /** File name under `schema/` → content. */
  files: Map<string, string>;
  errors: string[];
}

/** The SDL of each subgraph and the supergraph composed from them, as the code defines them now. */
export async function composeSchemas(): Promise<ComposedSchemas> {
  const files = new Map<string, string>();
  const services = [];
  for (const subgraph of SUBGRAPHS) {
    const sdl = printSubgraphSchema(await SCHEMA_BUILDERS[subgraph.name]()) + '\n';
    files.set(`${subgraph.name}.graphql`, sdl);
    // The URL is a placeholder: the gateway takes the real ones from its configuration.
    services.push({ name: subgraph.name, url: `http://localhost:${subgraph.port}/graphql`, typeDefs: parse(sdl) });
  }
  // The gateway's own subgraph (`status`) is not a process of the catalogue: the gateway serves it in-process.
  const gatewaySdl = printSubgraphSchema(await buildGatewaySchema()) + '\n';
  files.set(`${GATEWAY_SUBGRAPH}.graphql`, gatewaySdl);
  services.push({ name: GATEWAY_SUBGRAPH, url: 'http://localhost:4000/graphql', typeDefs: parse(gatewaySdl) });
  const result = composeServices(services);
  if (result.errors) return { files, errors: result.errors.map((error) => error.message) };
  files.set('supergraph.graphql', result.supergraphSdl + '\n');
  // What clients see: the supergraph without federation's join/link machinery.
  files.set('api.graphql', printSchema(result.schema.toAPISchema().toGraphQLJSSchema()) + '\n');
  return { files, errors: [] };
}
