# FMS service image: `docker compose up` builds it (see docs/deployment.md).
# Build stage: installs the production dependencies (better-sqlite3 compiles its native module here).
FROM node:20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY tools/precompile.mjs ./tools/
COPY services ./services
COPY devices ./devices
COPY simulators ./simulators
# Compiled ahead of time into .build/ (docs/deployment.md, "Memory"): the service runs without tsx.
RUN node tools/precompile.mjs

# Runtime stage: no compiler, runs as the unprivileged `node` user, data on a volume. A font with
# Chinese glyphs for report PDFs in Chinese (docs/reports.md).
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-wqy-microhei \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    FMS_DATA_DIR=/data \
    FMS_HTTP_HOST=0.0.0.0 \
    FMS_MQTT_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000 1883 8883
# Healthy when /api/health answers 200 (broker, telemetry store and database up).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.FMS_HTTP_PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", ".build/start.js"]
