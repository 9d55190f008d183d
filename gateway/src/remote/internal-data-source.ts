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
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { identity = ANONYMOUS, client } = context as Partial<GatewayContext>;
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, this.signer.sign(identity, this.subgraphName, client));
  }
}
