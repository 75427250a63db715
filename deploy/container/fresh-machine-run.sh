#!/usr/bin/env bash
# Runs deploy/container/fresh-machine.sh in a clean debian:bookworm-slim container (podman) on a
# clean clone of HEAD, with this machine's Node 20 and npm mounted in and nothing else:
#
#   CONTAINERS_CONF=/tmp/containers.conf LOGS=/tmp/fresh-logs deploy/container/fresh-machine-run.sh > /tmp/fresh.log 2>&1
#
# The full test logs go to $LOGS (default: a new directory under /tmp, named at the start).
#
# Two things this project's build machines need that an ordinary one does not (both are skipped
# when the network allows):
# - npm reaches the registry through a TLS-intercepting proxy whose CA is only in the host's
#   store: it is mounted and named by NPM_CONFIG_CAFILE.
# - github.com does not resolve, and re2's install downloads its prebuilt addon from GitHub's
#   release assets (else compiles it, which needs python3, make and g++, not on a fresh machine).
#   re2 names a mirror variable for that download (RE2_DOWNLOAD_MIRROR): the addon this machine's
#   node_modules built for the same re2 version and Node ABI is served from the host, as
#   <mirror>/uhop/node-re2/releases/download/<version>/linux-x64-<abi>.gz, exactly the asset's path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=$(mktemp -d /tmp/agw-fresh-src.XXXXXX)
trap 'rm -rf "$src"; [ -n "${mirror_pid:-}" ] && kill "$mirror_pid"' EXIT
git clone -q "$repo" "$src"
echo "fresh clone of $(git -C "$src" log --oneline -1)"
args=(--network slirp4netns)
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  args+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/host-ca.crt:ro -e NPM_CONFIG_CAFILE=/etc/ssl/host-ca.crt)
fi
if ! getent hosts github.com > /dev/null; then
  version=$(node -p "require('$repo/node_modules/re2/package.json').version")
  abi=$(node -p process.versions.modules)
  mirror=$(mktemp -d /tmp/agw-re2-mirror.XXXXXX)
  dir=$mirror/uhop/node-re2/releases/download/$version
  mkdir -p "$dir"
  gzip -c "$repo/node_modules/re2/build/Release/re2.node" > "$dir/linux-x64-$abi.gz"
  port=${MIRROR_PORT:-18765}
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$mirror" > /dev/null 2>&1 &
  mirror_pid=$!
  echo "github.com does not resolve: re2 $version's prebuilt addon (ABI $abi) served as RE2_DOWNLOAD_MIRROR"
  args=(--network slirp4netns:allow_host_loopback=true -e "RE2_DOWNLOAD_MIRROR=http://10.0.2.2:$port" "${args[@]:2}")
fi
logs=${LOGS:-$(mktemp -d /tmp/agw-fresh-logs.XXXXXX)}
mkdir -p "$logs"
echo "full test logs in $logs"
args+=(-v "$logs":/logs)
start=$(date +%s)
podman run --runtime runc --rm --shm-size 1g "${args[@]}" \
  -v "$(command -v node)":/usr/local/bin/node:ro -v /usr/lib/node_modules/npm:/usr/local/lib/node_modules/npm:ro \
  -v "$src":/src:ro -v "$repo/deploy/container/fresh-machine.sh":/fresh.sh:ro \
  docker.io/library/debian:bookworm-slim bash /fresh.sh
echo "fresh machine: $(($(date +%s) - start)) s"
