# syntax=docker/dockerfile:1
# l2lb: one image for both programs (l2lb-controller, l2lb-speaker).
# Build: `make image` (scripts/image.sh), or `docker build -t ghcr.io/l2lb/l2lb:<version> .`.
# Where no registry is reachable, scripts/image.sh makes the two base images itself (Debian
# bookworm + Node.js 20, scripts/image-bases.sh) and passes them as BUILD_IMAGE / RUNTIME_IMAGE:
# the same recipe, other bases.
#
# Stage 1 compiles TypeScript and the native addons (raw-socket from npm, speaker/native via
# node-gyp) against the same Node.js and glibc as the runtime stage, then drops dev packages.
# Stage 2 is node:20 slim with only what runs: dist/, bin/, production node_modules/ and the
# compiled .node files, plus l2lb-echo (a tiny HTTP backend for tests and demos). It runs as an
# unprivileged user (65532); the controller keeps it. The
# speaker pod sets runAsUser 0 with every capability dropped except NET_RAW, because Kubernetes
# only hands added capabilities to UID 0 (see docs/install.md, "Security").
ARG NODE_VERSION=20
ARG BUILD_IMAGE=node:${NODE_VERSION}-bookworm
ARG RUNTIME_IMAGE=node:${NODE_VERSION}-bookworm-slim

FROM ${BUILD_IMAGE} AS build
# The full node image already has python3, make and g++ for node-gyp; its headers are under
# /usr/local (the repository's .npmrc points at /usr for the build machines, not for this image).
ENV npm_config_nodedir=/usr/local npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# Not `npm ci`: registries that serve only this platform's optional binaries (e.g. none of
# @unrs/resolver-binding-darwin-*) cannot have them in the lock file, and npm ci refuses such a
# lock. `npm install --no-save` installs the locked tree and never rewrites it.
RUN npm install --no-save --no-audit --no-fund && test -f node_modules/raw-socket/build/Release/raw.node
COPY tsconfig.json ./
COPY shared/ shared/
COPY controller/ controller/
COPY speaker/ speaker/
COPY echo/ echo/
COPY bin/ bin/
# Only the programs' sources, without tests (lab tests import e2e/, which is not in the context).
RUN printf '%s' '{"extends":"./tsconfig.json","include":["shared/**/*.ts","controller/**/*.ts","speaker/**/*.ts","echo/**/*.ts"],"exclude":["**/*.test.ts","node_modules","dist","**/build/**"]}' > tsconfig.image.json \
 && npx tsc -p tsconfig.image.json \
 && if [ -f speaker/native/binding.gyp ]; then \
      (cd speaker/native && npx --no-install node-gyp rebuild) \
      && test -f speaker/native/build/Release/l2lb_packet.node; \
    fi \
 && npm prune --omit=dev \
 && mkdir -p /out \
 && cp -r package.json dist bin node_modules /out/ \
 && if [ -d speaker/native/build/Release ]; then \
      mkdir -p /out/speaker/native/build/Release \
      && cp speaker/native/build/Release/*.node /out/speaker/native/build/Release/; \
    fi

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="l2lb" \
      org.opencontainers.image.description="Layer 2 load balancing for bare-metal Kubernetes; a drop-in replacement for MetalLB's Layer 2 mode" \
      org.opencontainers.image.licenses="Apache-2.0"
# No --enable-source-maps: it costs the speaker ~20 MB of its 80 MB budget; stack traces point at
# the compiled dist/*.js, which tsc keeps close to the sources (the .map files ship for debugging).
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ /app/
# nft: the speaker's opt-in flow spreading installs nftables rules (docs/spreading-flows.md). The
# bases scripts/image-bases.sh makes have it already; node's slim image gets it from Debian.
RUN (command -v nft >/dev/null || (apt-get update && apt-get install -y --no-install-recommends nftables && rm -rf /var/lib/apt/lists/*)) \
 && groupadd --gid 65532 l2lb \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin l2lb \
 && ln -s /app/bin/l2lb-controller /usr/local/bin/l2lb-controller \
 && ln -s /app/bin/l2lb-speaker /usr/local/bin/l2lb-speaker \
 && ln -s /app/bin/l2lb-echo /usr/local/bin/l2lb-echo
USER 65532:65532
CMD ["l2lb-controller", "--help"]
