#!/usr/bin/env bash
# Lints openapi.yaml with Redocly's CLI (redocly.yaml: the recommended rules
# and a description on every operation), pinned to a version that runs on
# Node 18 (Debian 12's) as well as on Node 20. Fails on any error or warning:
# Redocly itself exits 0 when there are only warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
npx --yes @redocly/cli@1.34.20 lint --format=stylish openapi.yaml >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
if grep -Eq '^ +[0-9]+:[0-9]+ +(warning|error) ' "$out"; then
  echo "openapi-lint: warnings are not allowed" >&2
  exit 1
fi
