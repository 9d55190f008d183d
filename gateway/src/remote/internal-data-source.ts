import { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ANONYMOUS, currentRequestId, InternalTokenSigner, INTERNAL_TOKEN_HEADER, REQUEST_ID_HEADER } from '@herck/common';
import { GatewayContext } from '../auth/authorizing-gateway';
import { SubgraphFetchDuration } from './subgraph-fetch.metrics';

/** Calls one subgraph, vouching for the caller's identity with a short-lived internal token. */
export class InternalDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly subgraphName: string,
    private readonly signer: InternalTokenSigner,
    private readonly fetchDuration?: SubgraphFetchDuration,
  ) {
    // Node's own fetch (undici) rather than the default make-fetch-happen: it keeps a pooled
    // connection only as long as the subgraph's Keep-Alive timeout says, so a request never goes
    // out on a socket the subgraph is closing (ECONNRESET under light load).
    super({ url, fetcher: fetch });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { identity = ANONYMOUS, client } = context as Partial<GatewayContext>;
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, this.signer.sign(identity, this.subgraphName, client));
    // The subgraph logs under the gateway's id for this request.
    const requestId = currentRequestId();
    if (requestId) request.http?.headers.set(REQUEST_ID_HEADER, requestId);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const done = this.fetchDuration?.startTimer({ subgraph: this.subgraphName });
    try {
      const response = await super.process(options);
      done?.({ outcome: response.errors?.length ? 'error' : 'ok' });
      return response;
    } catch (error) {
      done?.({ outcome: 'failed' });
      throw error;
    }
  }
}
