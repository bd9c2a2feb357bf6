#!/usr/bin/env bash
# Scores the loader on ../shared/corpus and ../shared/corpus-wide against
# thresholds a little under what it reaches (a guard against regressions):
# both sets together, then corpus-wide alone (articles from other outlets and
# negotiations, the measure of how general the rules are).
# Usage: scripts/score.sh PATH/TO/parley. Exits 77 (skipped) without ../shared.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
parley=${1:?usage: scripts/score.sh PATH/TO/parley}
shared=${PARLEY_SHARED:-$top/../shared}
if [ ! -f "$shared/tools/score.py" ] || [ ! -d "$shared/corpus" ] ||
  [ ! -d "$shared/corpus-wide" ]; then
  echo "skipped: $shared/tools/score.py, $shared/corpus and $shared/corpus-wide are needed" >&2
  exit 77
fi
score() {
  python3 "$shared/tools/score.py" --cmd "$parley load --dry-run --json" "$@"
}
echo "== corpus + corpus-wide"
score --min-attribution "${MIN_ATTRIBUTION:-0.93}" --min-issue "${MIN_ISSUE:-0.82}" \
  --min-stance "${MIN_STANCE:-0.95}" --min-e2e "${MIN_E2E:-0.74}" \
  "$shared/corpus" "$shared/corpus-wide"
echo "== corpus-wide alone"
score --quiet --min-attribution "${MIN_WIDE_ATTRIBUTION:-0.91}" --min-issue "${MIN_WIDE_ISSUE:-0.75}" \
  --min-stance "${MIN_WIDE_STANCE:-0.95}" --min-e2e "${MIN_WIDE_E2E:-0.73}" "$shared/corpus-wide"
