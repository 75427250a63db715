#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's two base images, for machines that reach Debian's
# package mirror but no container registry (this project's build machines: `podman pull` has
# nowhere to go). Each is made from Debian packages with debootstrap and imported into podman
# under the official image's name, so the Dockerfile stays the one a registry-connected machine
# builds unchanged:
#
#   docker.io/library/debian:bookworm-slim   debootstrap --variant=minbase bookworm (+ ca-certificates)
#   docker.io/library/node:20-bookworm       the same + python3, make, g++, git, binutils, and this
#                                            machine's Node 20 and npm (Debian bookworm ships Node 18;
#                                            the official image installs Node from nodejs.org)
#
# Run as root: deploy/container/local-base-images.sh [mirror]. Needs debootstrap, podman.
set -euo pipefail
mirror=${1:-http://deb.debian.org/debian}
podman=${PODMAN:-podman}
work=$(mktemp -d /var/tmp/agw-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The package sources Debian's official images have (debootstrap writes only the release itself):
# the build stage installs cargo-web from bookworm-security.
sources() {
  local root=$1
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
}

# What a slim image leaves out, and what no image needs.
slim() {
  local root=$1
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*
}

import() { # rootfs, image name, --change arguments...
  local root=$1 name=$2
  shift 2
  tar --numeric-owner -C "$root" -c . | "$podman" import "$@" - "$name"
}

echo "==> debian:bookworm-slim"
debootstrap --variant=minbase --include=ca-certificates bookworm "$work/slim" "$mirror"
sources "$work/slim"
slim "$work/slim"
import "$work/slim" docker.io/library/debian:bookworm-slim --change 'CMD ["bash"]'

echo "==> node:20-bookworm (Debian bookworm + build tools + Node $(node --version))"
debootstrap --variant=minbase --include=ca-certificates,python3,make,g++,git,binutils bookworm "$work/node" "$mirror"
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -m 0755 "$node_bin" "$work/node/usr/local/bin/node"
mkdir -p "$work/node/usr/local/lib/node_modules" "$work/node/usr/local/include"
cp -a "$npm_dir" "$work/node/usr/local/lib/node_modules/npm"
[ -d /usr/include/node ] && cp -a /usr/include/node "$work/node/usr/local/include/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/usr/local/bin/npx"
sources "$work/node"
slim "$work/node"
import "$work/node" docker.io/library/node:20-bookworm --change 'ENV NODE_VERSION='"$(node --version | tr -d v)" --change 'CMD ["node"]'

"$podman" images --filter reference=docker.io/library/debian --filter reference=docker.io/library/node
