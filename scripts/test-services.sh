#!/usr/bin/env bash
# Makes sure the servers and tools the tests use are on this machine and running.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

have redis-server || apt_install redis-server
have chromium || [ -x /usr/bin/chromium ] || apt_install chromium

# A Docker engine for the compose test and the container fixtures (tests/deploy/docker_env.py):
# Debian's docker.io, started here when nothing answers; debootstrap builds local base images
# when no registry is reachable. Without root or apt, the tests that need it say why.
if [ "$(id -u)" = 0 ] && have apt-get; then
  have dockerd || apt_install docker.io
  have debootstrap || apt_install debootstrap
fi
if have dockerd && ! docker info >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  nohup dockerd >/var/log/rps-dockerd.log 2>&1 &
  for _ in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || echo "warning: dockerd did not start; see /var/log/rps-dockerd.log" >&2
fi
# The container fixtures' images (tests/conftest.py): local stand-ins, built once and kept.
if docker info >/dev/null 2>&1; then
  "$(dirname "$0")/standin-images.sh" redis seaweedfs postgres >/dev/null \
    || echo "warning: stand-in images failed; the fixtures use local processes" >&2
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi

if have pg_isready && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if have pg_ctlcluster; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
if ! have pg_isready; then
  echo "warning: PostgreSQL client tools not found; PostgreSQL tests need a server on 127.0.0.1:5432" >&2
fi
