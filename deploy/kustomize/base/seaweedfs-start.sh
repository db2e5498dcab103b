#!/bin/sh
# Starts SeaweedFS (`weed mini`: master, volume, filer and S3 in one process) with three S3
# identities from the environment: admin (buckets), readwrite (worker, MLflow), readonly (inference).
# The config lives in /tmp, never on the command line. Extra arguments go to `weed mini`.
set -eu
umask 077
config=/tmp/s3.json
identity() { # name access-key secret-key actions
  printf '{"name":"%s","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":[%s]}' "$1" "$2" "$3" "$4"
}
{
  printf '{"identities":['
  identity admin "${S3_ADMIN_ACCESS_KEY:?}" "${S3_ADMIN_SECRET_KEY:?}" '"Admin","Read","List","Tagging","Write"'
  printf ','
  identity readwrite "${S3_READWRITE_ACCESS_KEY:?}" "${S3_READWRITE_SECRET_KEY:?}" '"Read","List","Tagging","Write"'
  printf ','
  identity readonly "${S3_READONLY_ACCESS_KEY:?}" "${S3_READONLY_SECRET_KEY:?}" '"Read","List"'
  printf ']}\n'
} >"$config"
exec weed mini -dir=/data -ip=127.0.0.1 -ip.bind=0.0.0.0 -admin.ui=false -s3.config="$config" "$@"
