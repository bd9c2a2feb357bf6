#!/usr/bin/env bash
# Measures GET /positions on a large database: 100,000 claims (about
# 300-byte texts), 200 parties, 1,000 issues in a two-level tree, in a
# throwaway cluster; prints p50/p99 over sequential requests of the
# unfiltered matrix (read from the summary), and of filtered ones.
#
#   bench/positions.sh [BUILD_DIR]       (default: build)
#
# Environment: CLAIMS (100000), REQUESTS (200), PORT (18470), REUSE (0),
# BENCH_PG_DIR (/tmp/pgbench-pos), BENCH_PG_PORT (55470).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
claims=${CLAIMS:-100000}
requests=${REQUESTS:-200}
port=${PORT:-18470}
pg_dir=${BENCH_PG_DIR:-/tmp/pgbench-pos}
pg_port=${BENCH_PG_PORT:-55470}

admin_url=$(PGCLUSTER_FAST=1 scripts/pgcluster.sh start "$pg_dir" "$pg_port")
url=${admin_url/\/parley\?//positions_bench?}
# REUSE=1 keeps the data of an earlier run (same CLAIMS) when it is there.
have=$(psql -X -q -t -A -d "$url" -c "SELECT count(*) FROM claims" 2>/dev/null || echo 0)
if [ "${REUSE:-0}" != 1 ] || [ "$have" != "$claims" ]; then
  psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS positions_bench" \
    -c "CREATE DATABASE positions_bench"
  DATABASE_URL=$url "$build/parley" migrate >/dev/null
  psql -X -q -d "$url" -v claims="$claims" -f bench/positions_data.sql
fi
psql -X -q -t -A -d "$url" -c "SELECT 'claims ' || count(*) FROM claims" \
  -c "SELECT 'issue links ' || count(*) FROM claim_issues" \
  -c "SELECT 'summary cells ' || count(*) FILTER (WHERE top) || ' top, ' || count(*) FILTER (WHERE NOT top) || ' fine' FROM position_cells WHERE claim_count > 0"

DATABASE_URL=$url PORT=$port PARLEY_LOG_LEVEL=error "$build/parleyd" \
  >/tmp/positions-bench-parleyd.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done

# p50 and p99 (milliseconds) of `requests` sequential GETs of one URL.
measure() {
  local label=$1 path=$2
  local bytes
  bytes=$(curl -fs "http://127.0.0.1:$port$path" | wc -c)
  for _ in $(seq 5); do curl -fs -o /dev/null "http://127.0.0.1:$port$path"; done
  for _ in $(seq "$requests"); do
    curl -fs -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$path"
  done | sort -n | awk -v label="$label" -v bytes="$bytes" '
    { t[NR] = $1 * 1000 }
    END {
      p50 = t[int(NR * 0.50 + 0.5)]; p99 = t[int(NR * 0.99 + 0.5)]
      printf "%-44s p50 %7.1f ms  p99 %7.1f ms  (%d requests, %d bytes)\n",
             label, p50, p99, NR, bytes
    }'
}

echo "GET /positions at $claims claims:"
measure "unfiltered (summary)" "/positions"
measure "by=speaker (summary)" "/positions?by=speaker"
measure "issue=bench-top-7 (summary)" "/positions?issue=bench-top-7"
measure "party=bench-state-3 (summary)" "/positions?party=bench-state-3"
measure "depth=fine (summary)" "/positions?depth=fine"
measure "since=2025-06-01 (claims scan)" "/positions?since=2025-06-01"
measure "stance=rejects&issue=bench-top-7 (scan)" "/positions?stance=rejects&issue=bench-top-7"
measure "GET /shifts?party=bench-state-3" "/shifts?party=bench-state-3"
