#!/usr/bin/env bash
# fill-env.sh EXAMPLE OUT: writes OUT (mode 600) from EXAMPLE with a random hex value for every
# `KEY=` line left empty; an existing OUT is kept as it is (its secrets are already in use).
set -euo pipefail
example="$1" out="$2"
[ -e "$out" ] && exit 0
umask 077
while IFS= read -r line || [ -n "$line" ]; do
  if [[ "$line" =~ ^[A-Z][A-Z0-9_]*=$ ]]; then
    echo "${line}$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  else
    echo "$line"
  fi
done <"$example" >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $example (random secrets)" >&2
