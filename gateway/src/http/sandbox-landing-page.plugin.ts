import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

/** Where Apollo's embedded Sandbox page builds its options; the subscription endpoint is added there. */
const SANDBOX_OPTIONS = /(\n\s*)initialEndpoint,(\s*\n\s*}\s*\n\s*\);)/;

/**
 * Apollo Sandbox as the development landing page, with its subscriptions sent
 * to this endpoint's graphql-ws: the page's own URL with a ws scheme (same
 * host, port and path), as the browser sees it, so it holds behind a proxy too.
 *
 * Apollo Server's plugin has no option for Sandbox's `initialSubscriptionEndpoint`,
 * so its page is amended; a page of another shape is served unchanged (the
 * end-to-end test notices).
 */
export function sandboxLandingPagePlugin(): ApolloServerPlugin<BaseContext> {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (!render) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const page = await render();
          const html = async () => {
            const original = typeof page.html === 'string' ? page.html : await page.html();
            return original.replace(SANDBOX_OPTIONS, `$1initialEndpoint,$1initialSubscriptionEndpoint: initialEndpoint.replace(/^http/, 'ws'),$2`);
          };
          return { html };
        },
      };
    },
  };
}
