import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { parse } from 'graphql';
import {
  EnvReader,
  Environment,
  GraphqlHttpService,
  Identity,
  InternalTokenVerifier,
  INTERNAL_TOKEN_HEADER,
  Logger,
  PlainHandler,
  readVerificationKeys,
  repositoryRoot,
  requestHeader,
  sendJson,
  SUBGRAPHS,
} from '@herck/common';

/** The test subgraph's name in the supergraph; the gateway reads its URL from `NOTES_URL`. */
export const TICK_NOTES_SUBGRAPH = 'notes';

/**
 * A field of `Asset` (the entity every tick links to) contributed by a second
 * subgraph, so a subscription's events need the query plan's `_entities` fetch.
 * Each note names the `_entities` request that resolved it.
 */
const TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  type Asset @key(fields: "symbol") {
    symbol: String!
    note: String!
  }
`);

interface NotesContext extends BaseContext {
  /** 1-based number of this `_entities` request; 0 for other requests. */
  entityRequest: number;
}

interface AssetReference {
  symbol: string;
}

export interface TickNotesSubgraph {
  url: string;
  /** The representations each `_entities` request asked for, in order of arrival. */
  entityRequests: unknown[][];
  /** Whom each `_entities` request came as (its internal token's identity), in the same order. */
  entityCallers: (Identity | undefined)[];
  /** Requests refused for a missing or invalid internal token. */
  refused: number;
  stop(): Promise<void>;
}

/** Serves the notes subgraph over HTTP, accepting only the gateway's internal token (as every subgraph does). */
export async function startTickNotesSubgraph(env: Environment): Promise<TickNotesSubgraph> {
  const reader = new EnvReader(env);
  const keys = readVerificationKeys(reader, { envName: 'INTERNAL_TOKEN', devFile: 'internal-token.pem', dataDir: reader.string('HERCK_DATA_DIR')!, production: false });
  const verifier = new InternalTokenVerifier(keys, TICK_NOTES_SUBGRAPH);
  const entityRequests: unknown[][] = [];
  const entityCallers: (Identity | undefined)[] = [];
  let refused = 0;
  const gatewayOnly: PlainHandler = (req, res, next) => {
    if (verifier.verify(requestHeader(req, INTERNAL_TOKEN_HEADER))) return next();
    refused += 1;
    sendJson(res, 401, { errors: [{ message: 'internal token required' }] });
  };
  const schema = buildSubgraphSchema({
    typeDefs: TYPE_DEFS,
    resolvers: {
      Asset: {
        __resolveReference: (reference: AssetReference) => ({ symbol: reference.symbol }),
        note: (asset: AssetReference, _args: unknown, context: unknown) => `note for ${asset.symbol} (request ${(context as NotesContext).entityRequest})`,
      },
    },
  });
  const http = new GraphqlHttpService<NotesContext>({
    logger: new Logger(TICK_NOTES_SUBGRAPH, 'error'),
    apollo: { schema, csrfPrevention: true, plugins: [ApolloServerPluginInlineTraceDisabled()] },
    before: [gatewayOnly],
    context: async (req) => {
      const body = req.body as { query?: unknown; variables?: { representations?: unknown } } | undefined;
      if (typeof body?.query !== 'string' || !body.query.includes('_entities')) return { entityRequest: 0 };
      entityRequests.push(Array.isArray(body.variables?.representations) ? body.variables.representations : []);
      entityCallers.push(verifier.verify(requestHeader(req, INTERNAL_TOKEN_HEADER))?.identity);
      return { entityRequest: entityRequests.length };
    },
  });
  const url = await http.listen(0, '127.0.0.1');
  return {
    url,
    entityRequests,
    entityCallers,
    get refused() {
      return refused;
    },
    stop: () => http.stop(),
  };
}

/**
 * The checked-in subgraph SDLs (`schema/*.graphql`) composed with the notes
 * subgraph, written to `file`. Its URL in the supergraph is a placeholder, as
 * in the checked-in one: the gateway is given `NOTES_URL`.
 */
export function writeSupergraphWithNotes(file: string): void {
  const services = SUBGRAPHS.map(({ name, port }) => ({
    name,
    url: `http://localhost:${port}/graphql`,
    typeDefs: parse(fs.readFileSync(path.join(repositoryRoot(), 'schema', `${name}.graphql`), 'utf8')),
  }));
  const result = composeServices([...services, { name: TICK_NOTES_SUBGRAPH, url: 'http://localhost:4999/graphql', typeDefs: TYPE_DEFS }]);
  if (result.errors) throw new Error(`composition failed: ${result.errors.map((error) => error.message).join('; ')}`);
  fs.writeFileSync(file, result.supergraphSdl);
}
