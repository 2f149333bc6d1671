# The parity image: one image for every process (proxy, worker, CLI) and for
# the sample apps used by docker-compose.yml.
#   docker build -t parity:local .
#   docker run --rm parity:local --help

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY services ./services
COPY shared ./shared
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/dist ./dist
USER node
# 8080: proxy data plane, 9090: admin API (token required beyond loopback)
EXPOSE 8080 9090
ENTRYPOINT ["node", "bin/parity.mjs"]
CMD ["--help"]
