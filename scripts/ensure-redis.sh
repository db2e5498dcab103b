#!/usr/bin/env bash
# make run: a redis-server binary for services/run.py to start when no Redis answers.
# Debian's package when this machine can install it (root + apt-get); otherwise the message
# says what to do (services/run.py reuses any Redis that answers on REDIS_URL).
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
# A Redis that already answers is reused: nothing to install.
"${PYTHON:-python3}" -c "import os, redis; redis.Redis.from_url(os.environ.get('REDIS_URL', \
  'redis://127.0.0.1:6379/0'), socket_connect_timeout=0.5).ping()" 2>/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "run | installing Debian's redis-server" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
echo "run | redis-server is not installed: install it (e.g. 'sudo apt-get install redis-server'," \
  "'brew install redis') or set REDIS_URL to a running Redis" >&2
