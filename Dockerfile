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

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 HERCK_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app
# The keys, log-archives and backups volumes are initialised from these folders, so the unprivileged user can write to them.
RUN mkdir -p /data/keys /data/log-archives /data/backups && chown -R node /data
USER node
CMD ["node", "gateway/dist/src/main.js"]
