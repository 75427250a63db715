# syntax=docker/dockerfile:1
# agentgateway: the single binary (`npm run build:binary`) on Debian slim, as a non-root user,
# serving /cfg/agentgateway.yaml as in the migration guide's docker-compose.yaml.
#
#   docker build -t agentgateway .            (podman: podman build --format docker -t agentgateway .)
#   docker run -p 3000:3000 -v ./configs/step2-multi-provider/agentgateway.yaml:/cfg/agentgateway.yaml:ro \
#     -e OPENAI_API_KEY -e ANTHROPIC_API_KEY agentgateway
#
# Base images: node:20-bookworm (build) and debian:bookworm-slim (runtime). On machines that reach
# Debian's mirror but no container registry (this project's build machines), build local
# stand-ins for both from Debian packages first, under the same names:
# deploy/container/local-base-images.sh (debootstrap; README, "Container image", has the
# transcript). HEALTHCHECK is part of Docker's image format only: podman needs --format docker.

ARG BUILD_IMAGE=node:20-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
# The Rust addon (native/) needs cargo >= 1.78; Debian's cargo-web (bookworm-security, Rust 1.96)
# is one. NATIVE=0 leaves the addon out and the binary runs the TypeScript twins.
ARG NATIVE=1
RUN if [ "$NATIVE" = 1 ]; then \
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cargo-web \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
# Dependencies first, so that a source change reuses this layer. --ignore-scripts: `prepare`
# would build from sources not copied yet (they are built below); re2's addon is then built on
# its own, by node-gyp against this image's Node headers (no header download).
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild re2
COPY . .
# build:native builds the addon when cargo is there; the binary checks itself with --version.
RUN npm run build:native && npm run build:binary && ./dist/agentgateway --version

FROM ${RUNTIME_IMAGE}
# A numeric, non-root user, so Kubernetes' runAsNonRoot can check it.
RUN groupadd --gid 10001 agentgateway \
  && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/agentgateway --shell /usr/sbin/nologin agentgateway \
  && mkdir /cfg
COPY --from=build /src/dist/agentgateway /usr/local/bin/agentgateway
# A default config that needs no keys (the built-in mock provider, and /openai and /anthropic
# when OPENAI_API_KEY / ANTHROPIC_API_KEY are set); mount your own over it.
COPY configs/quickstart.yaml /cfg/agentgateway.yaml
USER 10001:10001
# Unpack the binary's files (admin UI, native addons) into the user's cache now, so a container
# with a read-only root file system starts without writing anything.
RUN agentgateway --version
# 3000: the guide's data port; 15000 admin API and UI (loopback unless ADMIN_ADDR and ADMIN_TOKEN
# are set); 15020 Prometheus metrics; 15021 readiness.
EXPOSE 3000 15000 15020 15021
# The slim image has no curl: bash's /dev/tcp asks the readiness port, 200 once every listener is up.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/15021 && printf 'GET /healthz/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM drains: listeners close, requests in flight finish (AGW_DRAIN_TIMEOUT_MS, default 10 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/agentgateway"]
CMD ["-f", "/cfg/agentgateway.yaml"]
