# syntax=docker/dockerfile:1
# One image for every process of this service: the API (default command), the worker, the CLI and, for the
# demo profile only, the Xero simulator. docs/operations.md ("Running in production") lists the commands and
# their environment.

# --- build: every dependency, then `npm run build` (tsc to dist/, the workflow code bundled once) ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency's install script runs (this image's npm 10 ignores package.json `allowScripts`, npm 11's list):
# none is needed, the native parts (Temporal's core bridge, swc, esbuild) come prebuilt in their packages.
RUN npm ci --ignore-scripts --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/build.ts
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build

# --- production dependencies only (no TypeScript, tsx, Jest or the embedded PostgreSQL) ---
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# The Temporal core bridge ships native libraries for five platforms; keep this machine's.
RUN npm ci --omit=dev --ignore-scripts --no-fund --no-audit \
  && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 \
       ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} +

# --- runtime: node on the compiled code, as the unprivileged `node` user; the code is root's, read-only ---
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# Listen beyond the container's loopback, so published ports and the orchestrator's probes reach the processes.
ENV API_HOST=0.0.0.0 \
    WORKER_HTTP_HOST=0.0.0.0
EXPOSE 3000
# The API's liveness; the worker's service points it at the worker's own port (docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/healthcheck.js", "api"]
CMD ["node", "--enable-source-maps", "dist/src/api/main.js"]
