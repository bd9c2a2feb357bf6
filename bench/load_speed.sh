#!/bin/sh
# Measures loading into PostgreSQL (articles per second, one loader process)
# on generated articles: parley load DIR into a fresh database of the cluster
# DATABASE_URL names, then the same DIR again (every article unchanged).
#   DATABASE_URL=... bench/load_speed.sh [ARTICLES] [BUILD_DIR]
# LOAD_JOBS=N sets parley load --jobs (default: the loader's own, the CPUs
# online up to 4).
# The articles come from the generator of bench/extract_speed.sh.
set -eu
articles=${1:-10000}
build=${2:-build}
jobs=${LOAD_JOBS:-$(n=$(nproc); [ "$n" -gt 4 ] && n=4; echo "$n")}
here=$(cd "$(dirname "$0")/.." && pwd)
: "${DATABASE_URL:?DATABASE_URL must name a running cluster (scripts/pgcluster.sh start DIR)}"
work=$(mktemp -d)
db="parley_bench_$$"
cleanup() {
  rm -rf "$work"
  psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1 || true
}
trap cleanup EXIT
# The generator: the Python between the first <<'PY' and PY of extract_speed.sh.
sed -n "/<<'PY'$/,/^PY$/p" "$here/bench/extract_speed.sh" | sed '1d;$d' | sed '/^PY$/,$d' > "$work/generate.py"
python3 "$work/generate.py" "$work" "$articles"
psql -X -q -d "$DATABASE_URL" -c "CREATE DATABASE $db" > /dev/null
url=$(python3 - "$DATABASE_URL" "$db" <<'PY'
import sys, urllib.parse
url, db = sys.argv[1], sys.argv[2]
if url.startswith(("postgresql://", "postgres://")):
    p = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(p.query) if k != "dbname"]
    print(f"{p.scheme}://{p.netloc}/{db}" + ("?" + urllib.parse.urlencode(q, safe="/") if q else ""))
else:
    print(f"{url} dbname={db}")
PY
)
DATABASE_URL=$url "$here/$build/parley" migrate > /dev/null
run() {
  start=$(date +%s.%N)
  DATABASE_URL=$url "$here/$build/parley" load --jobs "$jobs" "$work" 2> "$work/summary" || true
  end=$(date +%s.%N)
  python3 - "$1" "$start" "$end" "$articles" "$(tail -n 1 "$work/summary")" <<'PY'
import sys
label, s, e, n, summary = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"{label}: {n} articles in {e - s:.2f} s: {n / (e - s):.0f} articles/s ({summary})")
PY
}
echo "parley load --jobs $jobs"
run "first load"
counts=$(psql -X -A -t -d "$url" -c "SELECT (SELECT count(*) FROM articles) || ' articles, ' || (SELECT count(*) FROM claims) || ' claims, ' || (SELECT count(*) FROM claim_issues) || ' issue links, ' || (SELECT count(*) FROM parties) || ' parties'")
echo "stored: $counts"
run "second load (unchanged)"
