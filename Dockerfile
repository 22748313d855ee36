# syntax=docker/dockerfile:1
# The image of the server. scripts/check-image-layout.mjs builds this runtime stage's file tree without
# Docker and tests it (`npm run check:image`); keep its instructions to the ones that script understands.
ARG NODE_IMAGE=node:26-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the image's Node compiles (the `node` devDependency would download a second one),
# and compiling TypeScript needs none of the others.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. --legacy-peer-deps leaves out TypeScript, an optional peer of
# @nestjs/swagger that --omit=dev keeps. argon2 and sharp load their prebuilt binaries, so no install
# script has to run (nor @scarf/scarf's telemetry ping).
RUN npm ci --omit=dev --legacy-peer-deps --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=3000 DATA_DIR=/app/data MEDIA_DIR=/app/data/media
WORKDIR /app
# The code belongs to root and is read-only for the server; it writes only under /app/data.
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/launch.cjs scripts/check-node.cjs ./scripts/
# The embedded database (when DATABASE_URL is unset) and uploads. Created here, owned by the server's
# user, so a volume mounted on it (or on /app/data/media) starts with that owner instead of root.
RUN mkdir -p /app/data/media && chown -R node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains and stops within SHUTDOWN_TIMEOUT_MS; give it a longer stop grace period
# (docker-compose.yml: stop_grace_period).
CMD ["node", "scripts/launch.cjs"]
