#!/usr/bin/env bash
# Scores the loader on the development corpus in ../shared/corpus against
# thresholds a little under what it reaches (a guard against regressions).
# Usage: scripts/score.sh PATH/TO/parley. Exits 77 (skipped) without ../shared.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
parley=${1:?usage: scripts/score.sh PATH/TO/parley}
shared=${PARLEY_SHARED:-$top/../shared}
if [ ! -f "$shared/tools/score.py" ] || [ ! -d "$shared/corpus" ]; then
  echo "skipped: $shared/tools/score.py and $shared/corpus are absent" >&2
  exit 77
fi
exec python3 "$shared/tools/score.py" --cmd "$parley load --dry-run --json" \
  --min-attribution "${MIN_ATTRIBUTION:-0.80}" --min-issue "${MIN_ISSUE:-0.75}" \
  --min-stance "${MIN_STANCE:-0.75}" --min-e2e "${MIN_E2E:-0.55}" "$shared/corpus"
