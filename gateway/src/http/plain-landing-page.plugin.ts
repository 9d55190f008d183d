import { ApolloServerPlugin, BaseContext } from '@apollo/server';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Herck GraphQL API</title></head>
<body>
<h1>Herck GraphQL API</h1>
<p>This is a GraphQL endpoint. Send queries and mutations as <code>POST</code> requests with a JSON body
(<code>{"query": "…", "variables": {…}}</code>) to this address, and subscriptions over WebSocket
(graphql-ws, subprotocol <code>graphql-transport-ws</code>) to the same address with a <code>ws</code> or
<code>wss</code> scheme. Sign in with the <code>login</code> mutation and send
<code>Authorization: Bearer &lt;accessToken&gt;</code>.</p>
</body></html>
`;

/**
 * The production landing page: plain local HTML, no script. Apollo's pages load
 * their scripts from Apollo's CDN, and with no page at all a browser opening the
 * API's address was told its request looked like a cross-site forgery.
 */
export function plainLandingPagePlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async serverWillStart() {
      return { renderLandingPage: async () => ({ html: PAGE }) };
    },
  };
}
