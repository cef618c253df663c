# One image for every CTP service. SERVICE (hub | platform | partner-liaison) picks the entry point at run time;
# the rest of the configuration is the services' usual environment (NATS_URL, PGHOST... or DATABASE_URL, HUB_REGION,
# PORT, LOG_LEVEL). With a command instead, it runs that: the deployment step that creates the services' PostgreSQL
# roles and databases is `node dist/scripts/db-provision.js`. See deploy/README.md.
#
#   docker build -t ctp-coordination .
#   docker run -e PGHOST=... -e PGPASSWORD=... -e CTP_DB_PASSWORD_CTP_HUB_AFR=... ctp-coordination node dist/scripts/db-provision.js
#   docker run -e SERVICE=hub -e HUB_REGION=afr -e NATS_URL=... -e DATABASE_URL=... -p 3101:3101 ctp-coordination

# Node.js 22, a maintained LTS line (20 reached its end of life in April 2026); bookworm-slim: Debian 12 without the
# build tools. package.json's engines say which versions are tested: docs/deployment.md.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: install everything, compile with tsc, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Manifests first, so the dependency layer is reused while only sources change. Every workspace's package.json must
# be there for npm ci to link node_modules/@ctp/* -> ../../libs/*.
COPY package.json package-lock.json ./
COPY libs/auth/package.json libs/auth/
COPY libs/contracts/package.json libs/contracts/
COPY libs/http/package.json libs/http/
COPY libs/messaging/package.json libs/messaging/
COPY libs/observability/package.json libs/observability/
COPY libs/persistence/package.json libs/persistence/
RUN npm ci

COPY . .
# After the prune, /out holds exactly what runs: production node_modules (with the @ctp/* workspace symlinks, kept
# as symlinks by cp -a), dist/, and each lib's package.json + index.js that the symlinks resolve to. The checks fail
# the build if a dev dependency (compiler, test runner, bundler) is left in it.
RUN npm run build \
 && npm prune --omit=dev \
 && mkdir /out \
 && cp -a --parents package.json package-lock.json node_modules dist libs/*/package.json libs/*/index.js /out/ \
 && for dev in typescript jest ts-jest eslint vite @nestjs/cli @nestjs/testing; do \
      if [ -e "/out/node_modules/$dev" ]; then echo "dev dependency $dev in the runtime image" >&2; exit 1; fi; \
    done \
 && test -f /out/dist/apps/hub/src/main.js \
 && test -f /out/dist/apps/platform/src/main.js \
 && test -f /out/dist/apps/partner-liaison/src/main.js \
 && test -f /out/dist/scripts/db-provision.js \
 && test -f /out/dist/scripts/nats-provision.js

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Owned by root and only readable by the service user: the code cannot be changed from inside the container.
COPY --from=build /out/ /app/
USER node
EXPOSE 3000 3101 3102 3103 3104 3200

# With arguments, runs them (e.g. `docker run --rm IMAGE node -e ...`); without, starts the service named by SERVICE.
# exec: node is PID 1 and gets SIGTERM directly (the services shut down gracefully on it). Setting ENTRYPOINT also
# clears the base image's CMD ["node"], so no CMD is needed.
ENTRYPOINT ["/bin/sh", "-c", "if [ \"$#\" -gt 0 ]; then exec \"$@\"; fi; case \"${SERVICE:-}\" in hub|platform|partner-liaison) exec node \"/app/dist/apps/${SERVICE}/src/main.js\" ;; *) echo \"ctp: set SERVICE to hub, platform or partner-liaison (got '${SERVICE:-}')\" >&2; exit 64 ;; esac", "ctp-entrypoint"]
