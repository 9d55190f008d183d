import { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ANONYMOUS, InternalTokenSigner, INTERNAL_TOKEN_HEADER } from '@herck/common';
import { GatewayContext } from '../auth/authorizing-gateway';

/** Calls one subgraph, vouching for the caller's identity with a short-lived internal token. */
export class InternalDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly subgraphName: string,
    private readonly signer: InternalTokenSigner,
  ) {
    // Node's own fetch (undici) rather than the default make-fetch-happen: it keeps a pooled
    // connection only as long as the subgraph's Keep-Alive timeout says, so a request never goes
    // out on a socket the subgraph is closing (ECONNRESET under light load).
    super({ url, fetcher: fetch });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { identity = ANONYMOUS, client } = context as Partial<GatewayContext>;
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, this.signer.sign(identity, this.subgraphName, client));
  }
}
