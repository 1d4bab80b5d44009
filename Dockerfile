# syntax=docker/dockerfile:1
# Plenary's image: two stages.
#   build   - the mediasoup worker (mediasoup's prebuilt download when the
#             builder is online, else Plenary's offline build from the
#             mediasoup npm package's sources against Debian's libraries,
#             scripts/mediasoup-worker.mjs) and the production dependencies.
#   runtime - node:24 slim with the worker's shared libraries, run as the
#             unprivileged `node` user, with a health check on /healthz.
#
#   docker build -t plenary .
#   docker run -p 3000:3000 -v plenary-data:/data plenary
ARG NODE_IMAGE=node:24-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# What the offline worker build needs (unused when the prebuilt download works).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-pip pkg-config patch \
      libssl-dev libuv1-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler libsrtp2-dev \
 && rm -rf /var/lib/apt/lists/*
ENV XDG_CACHE_HOME=/build-cache
COPY package.json package-lock.json ./
COPY scripts/mediasoup-worker.mjs scripts/
COPY scripts/mediasoup-worker/ scripts/mediasoup-worker/
RUN bin="$(node scripts/mediasoup-worker.mjs | tail -n 1)" \
 && install -D -m 0755 "$bin" /opt/plenary/mediasoup-worker
# mediasoup's postinstall skips its download when MEDIASOUP_WORKER_BIN is set.
RUN MEDIASOUP_WORKER_BIN=/opt/plenary/mediasoup-worker npm ci --omit=dev --no-audit --no-fund
COPY server/ server/
COPY client/ client/
COPY templates/ templates/
COPY scripts/ scripts/
COPY README.md ./

FROM ${NODE_IMAGE}-slim AS runtime
# The worker's shared libraries (those of the offline build; the prebuilt one needs none of them);
# ffmpeg for the webcast and recordings, with fonts for names in Latin, Cyrillic, Arabic, Chinese, Japanese, Korean.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 libuv1 libabsl20220623 libsrtp2-1 libnss3 ca-certificates \
      ffmpeg fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /opt/plenary/mediasoup-worker /opt/plenary/mediasoup-worker
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
# NODE_OPTIONS: production's Node options, as `npm start` passes them (scripts/server-flags.mjs says why).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=16 \
    MEDIASOUP_WORKER_BIN=/opt/plenary/mediasoup-worker \
    PLENARY_DATA_DIR=/data \
    PORT=3000 \
    HOST=0.0.0.0 \
    MEDIA_LISTEN_IP=0.0.0.0
USER node
VOLUME ["/data"]
EXPOSE 3000 40000-40099/udp 40000-40099/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs the TypeScript sources by type stripping: no build step.
CMD ["node", "server/main.ts"]
