#!/usr/bin/env bash
# Lints openapi.yaml with Redocly's CLI, pinned to a version that runs on
# Node 18 (Debian 12's) as well as on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx --yes @redocly/cli@1.34.20 lint --format=stylish openapi.yaml
