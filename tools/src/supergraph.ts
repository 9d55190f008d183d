import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLSchema, parse, printSchema } from 'graphql';
import { buildAccountSchema } from '@herck/account';
import { buildAuthSchema } from '@herck/auth';

/** Every subgraph with the schema its code builds; the order is the order of `schema/`. */
const SUBGRAPHS: { name: string; url: string; build: () => Promise<GraphQLSchema> }[] = [
  { name: 'account', url: 'http://localhost:4001/graphql', build: () => buildAccountSchema() },
  { name: 'auth', url: 'http://localhost:4002/graphql', build: () => buildAuthSchema() },
];

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
    const sdl = printSubgraphSchema(await subgraph.build()) + '\n';
    files.set(`${subgraph.name}.graphql`, sdl);
    services.push({ name: subgraph.name, url: subgraph.url, typeDefs: parse(sdl) });
  }
  const result = composeServices(services);
  if (result.errors) return { files, errors: result.errors.map((error) => error.message) };
  files.set('supergraph.graphql', result.supergraphSdl + '\n');
  // What clients see: the supergraph without federation's join/link machinery.
  files.set('api.graphql', printSchema(result.schema.toAPISchema().toGraphQLJSSchema()) + '\n');
  return { files, errors: [] };
}
