#!/bin/sh
# Starts Redis with one ACL user per client (passwords from the environment, written to a private
# file in /tmp, never on the command line). The unauthenticated default user may only PING
# (health checks); only the worker and the enqueuers may touch RQ's keys (rq:*), so a client that
# can publish game events cannot queue a job. Extra arguments go to redis-server.
set -eu
umask 077
acl=/tmp/users.acl
{
  echo "user default on nopass resetkeys resetchannels -@all +ping"
  echo "user gameplay on >${REDIS_PASSWORD_GAMEPLAY:?} resetkeys ~rps:* resetchannels +@all -@admin -@dangerous +info"
  echo "user inference on >${REDIS_PASSWORD_INFERENCE:?} resetkeys ~rps:* resetchannels +@all -@admin -@dangerous +info"
  echo "user relay on >${REDIS_PASSWORD_RELAY:?} resetkeys ~rps:* resetchannels +@all -@admin -@dangerous +info"
  echo "user worker on >${REDIS_PASSWORD_WORKER:?} ~* &* +@all -@admin"
  echo "user enqueue on >${REDIS_PASSWORD_ENQUEUE:?} resetkeys ~rq:* ~rps:scheduler:* resetchannels &rq:* +@all -@admin -@dangerous +info"
} >"$acl"
# Protected mode would refuse every remote client because `default` has no password; it can only PING.
exec redis-server --aclfile "$acl" --protected-mode no "$@"
