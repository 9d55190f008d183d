import fs from 'node:fs';
import { ApolloGateway, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { InternalTokenSigner, INTERNAL_TOKEN_HEADER, Role, watchParent } from '@herck/common';
import { readGatewayConfig } from '@herck/gateway';

/**
 * The baseline of `bench:gateway`: stock @apollo/gateway in stock Apollo
 * Server with default settings over the same subgraphs. The one addition is
 * the internal token the subgraphs require, for the bench's account
 * (BENCH_ACCOUNT_ID): stock has no sign-in, so every request is that account.
 * The token comes from the same signer as ours, which signs once per half
 * minute and subgraph, so the baseline pays no signature per fetch either.
 */
const config = readGatewayConfig();
const identity = { accountId: process.env.BENCH_ACCOUNT_ID ?? null, roles: ['USER'] as Role[] };
const signer = new InternalTokenSigner(config.internalTokenKey);

class TokenDataSource extends RemoteGraphQLDataSource {
  constructor(
    url: string,
    private readonly subgraph: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request }: GraphQLDataSourceProcessOptions): void {
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, signer.sign(identity, this.subgraph));
  }
}

async function main(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(config.supergraphPath, 'utf8'),
    // The gateway's own `status` subgraph is in the supergraph; the bench's operations never reach it.
    buildService: ({ name, url }) => new TokenDataSource(config.subgraphUrls[name] ?? url ?? 'http://127.0.0.1:9/graphql', name),
  });
  const server = new ApolloServer({ gateway });
  const port = Number(process.env.STOCK_GATEWAY_PORT);
  const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
  console.log(JSON.stringify({ msg: 'stock gateway listening', url }));
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // A bench that dies without stopping it (kill -9) takes it along.
  watchParent(stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
