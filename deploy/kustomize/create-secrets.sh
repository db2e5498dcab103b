#!/usr/bin/env bash
# Creates the per-service Secrets of namespace mlops-poc (docs/operations.md, "Secrets").
#   deploy/kustomize/create-secrets.sh [--multi-node] [--dry-run]
# Values come from base/secrets.env, written with random values from base/secrets.env.example on
# the first run (keep it, never commit it). Each Secret holds only what its service needs;
# --dry-run prints them as YAML instead of applying them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
env_file="${SECRETS_ENV:-$here/base/secrets.env}"
kubectl="${KUBECTL:-kubectl}"
multi_node="" dry_run=""
for arg in "$@"; do
  case "$arg" in
    --multi-node) multi_node=1 ;;
    --dry-run) dry_run=1 ;;
    *) echo "usage: $0 [--multi-node] [--dry-run]" >&2; exit 2 ;;
  esac
done
"$here/../../scripts/fill-env.sh" "$here/base/secrets.env.example" "$env_file"
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a

secret() { # NAME KEY=VALUE...
  local name="$1" args=()
  shift
  for pair in "$@"; do args+=("--from-literal=$pair"); done
  if [ -n "$dry_run" ]; then
    echo "---"
    "$kubectl" create secret generic "$name" -n mlops-poc "${args[@]}" --dry-run=client -o yaml
  else
    "$kubectl" create secret generic "$name" -n mlops-poc "${args[@]}" --dry-run=client -o yaml \
      | "$kubectl" apply -f -
  fi
}

postgres=()
[ -n "$multi_node" ] && postgres=("POSTGRES_PASSWORD=$POSTGRES_PASSWORD")
# gameplay: no S3, no MLflow credentials.
secret rps-gameplay "INTERNAL_TOKEN=$INTERNAL_TOKEN" "GAME_SECRET=$GAME_SECRET" "REDIS_PASSWORD=$REDIS_PASSWORD_GAMEPLAY" \
  "${postgres[@]}"
# inference: the read-only S3 identity.
secret rps-inference "INTERNAL_TOKEN=$INTERNAL_TOKEN" "REDIS_PASSWORD=$REDIS_PASSWORD_INFERENCE" \
  "AWS_ACCESS_KEY_ID=$S3_READONLY_ACCESS_KEY" "AWS_SECRET_ACCESS_KEY=$S3_READONLY_SECRET_KEY"
# worker: the read-write S3 identity.
secret rps-worker "INTERNAL_TOKEN=$INTERNAL_TOKEN" "REDIS_PASSWORD=$REDIS_PASSWORD_WORKER" \
  "AWS_ACCESS_KEY_ID=$S3_READWRITE_ACCESS_KEY" "AWS_SECRET_ACCESS_KEY=$S3_READWRITE_SECRET_KEY" "${postgres[@]}"
# relay: the event store and the stream; nothing else.
secret rps-relay "REDIS_PASSWORD=$REDIS_PASSWORD_RELAY" "${postgres[@]}"
secret rps-mlflow "AWS_ACCESS_KEY_ID=$S3_READWRITE_ACCESS_KEY" "AWS_SECRET_ACCESS_KEY=$S3_READWRITE_SECRET_KEY"
# The CronJobs that enqueue training and promotion: Redis only.
secret rps-enqueue "REDIS_PASSWORD=$REDIS_PASSWORD_ENQUEUE"
secret rps-redis "REDIS_PASSWORD_GAMEPLAY=$REDIS_PASSWORD_GAMEPLAY" \
  "REDIS_PASSWORD_INFERENCE=$REDIS_PASSWORD_INFERENCE" "REDIS_PASSWORD_WORKER=$REDIS_PASSWORD_WORKER" \
  "REDIS_PASSWORD_RELAY=$REDIS_PASSWORD_RELAY" "REDIS_PASSWORD_ENQUEUE=$REDIS_PASSWORD_ENQUEUE"
secret rps-s3 "S3_ADMIN_ACCESS_KEY=$S3_ADMIN_ACCESS_KEY" "S3_ADMIN_SECRET_KEY=$S3_ADMIN_SECRET_KEY" \
  "S3_READWRITE_ACCESS_KEY=$S3_READWRITE_ACCESS_KEY" "S3_READWRITE_SECRET_KEY=$S3_READWRITE_SECRET_KEY" \
  "S3_READONLY_ACCESS_KEY=$S3_READONLY_ACCESS_KEY" "S3_READONLY_SECRET_KEY=$S3_READONLY_SECRET_KEY"
if [ -n "$multi_node" ]; then secret rps-postgres "POSTGRES_PASSWORD=$POSTGRES_PASSWORD"; fi
