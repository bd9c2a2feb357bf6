#!/usr/bin/env bash
# Parley's benchmark suite: one command (see bench/README.md).
#
#   bench/run.sh [--duration S] [--runs N] [--reuse] [--keep] [--no-loader]
#                [--load-articles N] [--no-build]
#   bench/run.sh --soak [MINUTES]
#
# Installs what it needs (Debian 12, as root), builds parleyd and parley with
# -O2 in build-bench/, generates a dataset in a throwaway PostgreSQL cluster
# ($BENCH_DIR/pg, port $BENCH_PG_PORT), measures pgbench's ceiling with the
# service's own prepared SQL, then wrk against parleyd, then the loader, and
# prints one table with the issue's targets marked met or missed. Every run
# is bounded (wrk -d, pgbench -T, timeouts); traffic goes to 127.0.0.1 only.
#
# Environment: BENCH_DIR (default /tmp/parley-bench), BENCH_PG_PORT (55480),
# BENCH_HTTP_PORT (18480), BENCH_BUILD (build-bench), BENCH_CONNECTIONS (64).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

duration=20
runs=3
reuse=0
keep=0
loader=1
build_it=1
load_articles=10000
soak=0
soak_minutes=5
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --reuse) reuse=1; shift ;;
    --keep) keep=1; shift ;;
    --no-loader) loader=0; shift ;;
    --no-build) build_it=0; shift ;;
    --load-articles) load_articles=$2; shift 2 ;;
    --soak)
      soak=1
      if [[ "${2:-}" =~ ^[0-9]+$ ]]; then soak_minutes=$2; shift; fi
      shift ;;
    -h | --help) sed -n "2,17p" "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$duration" =~ ^[0-9]+$ && "$runs" =~ ^[0-9]+$ && "$soak_minutes" =~ ^[0-9]+$ ]] ||
  { echo "run.sh: --duration, --runs and --soak take whole numbers" >&2; exit 2; }

bench_dir=${BENCH_DIR:-/tmp/parley-bench}
pg_port=${BENCH_PG_PORT:-55480}
http_port=${BENCH_HTTP_PORT:-18480}
build=${BENCH_BUILD:-build-bench}
connections=${BENCH_CONNECTIONS:-64}
work=$bench_dir/work
results=$work/results.tsv
base_url=http://127.0.0.1:$http_port

say() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- install and build ------------------------------------------------------

install_packages() {
  local packages=(build-essential cmake ninja-build pkg-config postgresql-15
    postgresql-client-15 libpq-dev libmicrohttpd-dev libjansson-dev
    libutf8proc-dev libpcre2-dev libicu-dev libssl-dev python3 curl wrk procps)
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return
  [[ $(id -u) -eq 0 ]] || die "missing packages: ${missing[*]} (run as root to install them)"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 900 apt-get update -qq
  timeout 1800 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_parley() {
  say "building parleyd and parley (-O2) in $build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG -DCLI_STATEMENT_TIMEOUT_MS=900000" >/dev/null
  cmake --build "$build" --target parleyd parley >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log" >&2; die "build failed (log: $work/build.log)"; }
}

# --- the database -----------------------------------------------------------

psql_bench() { psql -X -q -v ON_ERROR_STOP=1 -d "$database_url" "$@"; }

# The dataset is written against the schema at these migrations; the later
# ones run after it (through parley migrate) and backfill what they derive.
readonly base_migrations=(001_schema.sql 002_issue_catalogue.sql 003_loader.sql)

generate_dataset() {
  say "generating the dataset (200 parties, 1,000 issues, 10,000 articles, 100,000 claims)"
  psql -X -q -v ON_ERROR_STOP=1 -d "${database_url/\/parley\?//postgres?}" \
    -c "DROP DATABASE IF EXISTS parley WITH (FORCE)" -c "CREATE DATABASE parley"
  psql_bench -c "CREATE TABLE schema_migrations (name text PRIMARY KEY,
    checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
  local m
  for m in "${base_migrations[@]}"; do
    psql_bench -1 -f "sql/migrations/$m"
    psql_bench -c "INSERT INTO schema_migrations (name, checksum)
      VALUES ('$m', '$(sha256sum "sql/migrations/$m" | cut -c1-64)')"
  done
  local start=$SECONDS
  psql_bench -f bench/dataset.sql >/dev/null
  DATABASE_URL=$database_url "$build/parley" migrate >&2
  psql_bench -c "VACUUM ANALYZE"
  say "dataset ready in $((SECONDS - start)) s"
}

prepare_database() {
  mkdir -p "$bench_dir"
  database_url=$(scripts/pgcluster.sh start "$bench_dir/pg" "$pg_port")
  local ready=0
  if ((reuse)) && psql_bench -t -A -c "SELECT value FROM bench_meta WHERE key = 'claims'" \
    >/dev/null 2>&1; then
    ready=1
  fi
  if ((ready)); then
    say "reusing the dataset in $bench_dir/pg (claims past the generated ones deleted)"
    DATABASE_URL=$database_url "$build/parley" migrate >&2
    psql_bench -c "DELETE FROM claims WHERE id > (SELECT value::bigint FROM bench_meta WHERE key = 'claims')"
    psql_bench -c "VACUUM ANALYZE"
  else
    generate_dataset
  fi
  claim_count=$(psql_bench -t -A -c "SELECT value FROM bench_meta WHERE key = 'claims'")
  issue_count=$(psql_bench -t -A -c "SELECT value FROM bench_meta WHERE key = 'issues'")
  # Cache-hot, as the ceilings are measured (best effort: pg_prewarm).
  psql_bench -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" -c "SELECT pg_prewarm(c.oid)
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')" \
    >/dev/null 2>&1 || true
}

# --- parleyd ----------------------------------------------------------------

parleyd_pid=""
start_parleyd() {
  : >"$work/parleyd.log"
  # The load generator is one address with more connections than the
  # per-address cap allows a client: lift the cap for it.
  PORT=$http_port DATABASE_URL=$database_url PARLEY_MAX_CONNECTIONS_PER_IP=0 \
    "$build/parleyd" >>"$work/parleyd.log" 2>&1 &
  parleyd_pid=$!
  local i
  for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null "$base_url/healthz" && return
    kill -0 "$parleyd_pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$work/parleyd.log" >&2
  die "parleyd did not start"
}

stop_parleyd() {
  if [[ -n "$parleyd_pid" ]] && kill -0 "$parleyd_pid" 2>/dev/null; then
    kill -TERM "$parleyd_pid"
    local i
    for ((i = 0; i < 150; i++)); do
      kill -0 "$parleyd_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$parleyd_pid" 2>/dev/null && kill -KILL "$parleyd_pid"
    wait "$parleyd_pid" 2>/dev/null || true
  fi
  parleyd_pid=""
}

cleanup() {
  stop_parleyd
  if ((!keep)) && [[ -d "$bench_dir/pg" ]]; then
    scripts/pgcluster.sh stop "$bench_dir/pg" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# Peak RSS since the last reset (VmHWM), in MB; reset_peak starts anew.
reset_peak() { echo 5 >"/proc/$parleyd_pid/clear_refs" 2>/dev/null || true; }
peak_rss_mb() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$parleyd_pid/status" 2>/dev/null || printf -; }
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$parleyd_pid/status"; }

# Keeps the access log from growing without bound: warnings and errors are
# kept in parleyd.problems, the rest dropped between runs.
trim_log() {
  grep -E '^[^ ]+ (warn|error) |"level":"(warn|error)"' "$work/parleyd.log" |
    head -n 50 >>"$work/parleyd.problems" || true
  : >"$work/parleyd.log"
}

# --- the SQL the service runs, as pgbench scripts ---------------------------

capture_sql() {
  say "capturing the SQL of GET /claims/{id} and GET /claims?issue=...&limit=20 from the server log"
  local log=$bench_dir/pg/log offset
  offset=$(stat -c %s "$log")
  psql_bench -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  # A fresh server connection prepares again, so parse and execute are logged.
  curl -s -o /dev/null "$base_url/claims/1"
  curl -s -o /dev/null "$base_url/claims?issue=issue-1&limit=20"
  sleep 0.5
  psql_bench -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
  tail -c +"$((offset + 1))" "$log" >"$work/captured.log"
  python3 - "$work" "$claim_count" "$issue_count" <<'PY'
import re, sys
work, claims, issues = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(f"{work}/captured.log", encoding="utf-8", errors="replace").read()
def statement(name_pattern):
    found = re.findall(r"execute (" + name_pattern + r"): (.*)", text)
    if not found:
        sys.exit(f"run.sh: no 'execute {name_pattern}' in the server log")
    return found[-1][1].strip()
point = statement(r"claims_fetch")
listing = statement(r"claims(?:_issue)?_list_[0-9a-z_]+")
if "$3" in point or "$2" in point or "$4" in listing:
    sys.exit("run.sh: the captured statements take more parameters than expected")
# pgbench -M prepared turns every :name into a parameter, even inside a
# string literal ('HH24:MI:SS'): such literals become E'HH24\x3aMI\x3aSS', the
# same constant to the server's lexer, so the plan and its cost are the same.
def hide_colons(sql):
    def literal(m):
        body = m.group(1)
        if not re.search(r":[A-Za-z_]", body):
            return m.group(0)
        return "E'" + body.replace("\\", "\\\\").replace(":", "\\x3a") + "'"
    return re.sub(r"(?<![A-Za-z0-9_])'((?:[^']|'')*)'", literal, sql)
point, listing = hide_colons(point), hide_colons(listing)
# pgbench -M prepared turns :variables into parameters. The issue slug is
# 'issue-N' for a random N: the same parameter, concatenated in the server.
point = point.replace("$1", ":id")
listing = listing.replace("$1", "('issue-' || :n::text)").replace("$2", "21")
with open(f"{work}/point.pgbench", "w") as f:
    f.write(f"\\set id random(1, {claims})\n{point};\n")
with open(f"{work}/list.pgbench", "w") as f:
    f.write(f"\\set n random(1, {issues})\n{listing};\n")
PY
}

# --- measuring ----------------------------------------------------------------

median_of() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(statistics.median(v))' "$@"; }

# pgbench_warm SCRIPT, then pgbench_once SCENARIO SCRIPT RUN: one line of
# results per run.
pgbench_warm() {
  timeout 60 pgbench -n -M prepared -c "$connections" -j 2 -T 3 -f "$1" \
    -d "$database_url" >/dev/null 2>&1 || true
}

pgbench_once() {
  local name=$1 script=$2 i=$3
  rm -f "$work"/pgbench_log.*
  (cd "$work" && timeout $((duration + 60)) pgbench -n -M prepared -c "$connections" -j 2 \
    -T "$duration" -f "$script" -l --sampling-rate=0.05 -d "$database_url") \
    >"$work/pgbench.out" 2>&1 || { cat "$work/pgbench.out" >&2; die "pgbench $name failed"; }
  python3 - "$work" "$name" "$i" >>"$results" <<'PY'
import glob, re, sys
work, name, run = sys.argv[1:]
out = open(f"{work}/pgbench.out").read()
tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))
failed = re.search(r"number of failed transactions: (\d+)", out)
lat = []
for path in glob.glob(f"{work}/pgbench_log.*"):
    for line in open(path):
        parts = line.split()
        if len(parts) >= 3:
            lat.append(int(parts[2]) / 1000.0)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
errors = int(failed.group(1)) if failed else 0
print(f"{name}\t{run}\t{tps:.1f}\t{p(0.5):.3f}\t{p(0.99):.3f}\t-\t{errors}")
PY
  rm -f "$work"/pgbench_log.*
  report_last
}

report_last() {
  local line
  line=$(tail -n 1 "$results")
  say "  $(cut -f1 <<<"$line") run $(cut -f2 <<<"$line"): $(cut -f3 <<<"$line")/s, p50 $(cut -f4 <<<"$line") ms, p99 $(cut -f5 <<<"$line") ms, RSS $(cut -f6 <<<"$line") MB, errors $(cut -f7 <<<"$line")"
}

# Lua scripts for wrk: random ids, issues, words and POST bodies.
write_lua() {
  local key=$1
  cat >"$work/common.lua" <<LUA
local claims, issues = $claim_count, $issue_count
local words = {"ceasefire", "referendum", "sanctions", "Geneva", "peacekeepers", "withdrawal", "guarantees", "blackouts"}
local stances = {"demands", "proposes", "rejects", "accepts", "threatens", "asserts"}
local key = "$key"
local counter = 0
function init(args)
  counter = counter + 1
  math.randomseed(os.time() * 1000 + counter * 7919 + math.floor(os.clock() * 1e6))
end
function claim_path() return "/claims/" .. math.random(1, claims) end
function list_path() return "/claims?issue=issue-" .. math.random(1, issues) .. "&limit=20" end
function search_path() return "/claims?q=" .. words[math.random(1, #words)] .. "&limit=20" end
function post_request()
  local speaker = math.random() < 0.6 and ('"person-' .. math.random(1, 120) .. '"') or "null"
  local body = '{"party":"state-' .. math.random(1, 40) .. '","speaker":' .. speaker ..
    ',"issues":["issue-' .. math.random(1, issues) .. '"],"stance":"' .. stances[math.random(1, 6)] ..
    '","quote":false,"stated_on":"2025-12-29","text":"The delegation said that talks on security guarantees ' ..
    'and a ceasefire along the current front lines were making progress, and that a meeting of the leaders ' ..
    'would be possible once a framework for peace was agreed by both sides (benchmark claim ' ..
    math.random(1, 1000000) .. ')."}'
  return wrk.format("POST", "/claims", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key}, body)
end
LUA
  local s
  for s in claim list search post; do
    {
      cat "$work/common.lua"
      case $s in
        claim) echo 'function request() return wrk.format("GET", claim_path()) end' ;;
        list) echo 'function request() return wrk.format("GET", list_path()) end' ;;
        search) echo 'function request() return wrk.format("GET", search_path()) end' ;;
        post) echo 'function request() return post_request() end' ;;
      esac
    } >"$work/$s.lua"
  done
  {
    cat "$work/common.lua"
    cat <<'LUA'
-- The soak's mix: mostly reads, some searches and writes, now and then the
-- positions matrix.
function request()
  local r = math.random()
  if r < 0.0005 then return wrk.format("GET", "/positions")
  elseif r < 0.05 then return post_request()
  elseif r < 0.10 then return wrk.format("GET", search_path())
  elseif r < 0.30 then return wrk.format("GET", list_path())
  else return wrk.format("GET", claim_path()) end
end
LUA
  } >"$work/mixed.lua"
}

# Parses wrk --latency output into one results line.
wrk_line() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import re, sys
out_path, name, run, rss = sys.argv[1:]
out = open(out_path).read()
def ms(text):
    value, unit = re.match(r"([0-9.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
errors = 0
m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errors += int(m.group(1)) if m else 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
errors += sum(int(x) for x in m.groups()) if m else 0
if re.search(r"^\s+0 requests in", out, re.M):
    out = ""  # nothing completed: no latencies
p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)) if re.search(r"^\s+50%", out, re.M) else float("nan")
p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)) if re.search(r"^\s+99%", out, re.M) else float("nan")
print(f"{name}\t{run}\t{rps:.1f}\t{p50:.3f}\t{p99:.3f}\t{rss}\t{errors}")
PY
}

# wrk_args SCRIPT|- [CONNECTIONS]: the options of every wrk run.
wrk_args() {
  local script=$1 conns=${2:-$connections}
  wrk_opts=(-t"$((conns < 2 ? conns : 2))" -c"$conns" --latency --timeout 30s)
  [[ "$script" != - ]] && wrk_opts+=(-s "$script")
  return 0
}

# wrk_warm SCRIPT|- PATH [CONNECTIONS]; wrk_once SCENARIO SCRIPT|- PATH
# CONNECTIONS RUN. The peak RSS is parleyd's since the scenario's warm-up.
wrk_warm() {
  # A fresh server per scenario: nothing queued by the one before (a slow
  # endpoint leaves work behind when wrk stops) and its own peak RSS.
  stop_parleyd
  start_parleyd
  wrk_args "$1" "${3:-}"
  timeout 60 wrk "${wrk_opts[@]}" -d3s "$base_url$2" >/dev/null 2>&1 || true
  trim_log
  reset_peak
}

wrk_once() {
  local name=$1 path=$3 i=$5
  wrk_args "$2" "$4"
  timeout $((duration + 60)) wrk "${wrk_opts[@]}" -d"${duration}s" "$base_url$path" >"$work/wrk.out" 2>&1 ||
    { cat "$work/wrk.out" >&2; die "wrk $name failed"; }
  wrk_line "$work/wrk.out" "$name" "$i" "$(peak_rss_mb)" >>"$results"
  report_last
  trim_log
}

# run_wrk SCENARIO SCRIPT|- PATH [CONNECTIONS]: warm-up, then `runs` runs.
run_wrk() {
  local i
  say "wrk $1"
  wrk_warm "$2" "$3" "${4:-}"
  for ((i = 1; i <= runs; i++)); do
    wrk_once "$1" "$2" "$3" "${4:-$connections}" "$i"
  done
}

# run_pair: pgbench's ceiling and the endpoint alternate, run by run, so that
# the noise of a shared machine hits both alike.
run_pair() {
  local pg_name=$1 pg_script=$2 name=$3 script=$4 i
  say "$pg_name vs $name, alternating"
  pgbench_warm "$pg_script"
  wrk_warm "$script" /
  for ((i = 1; i <= runs; i++)); do
    pgbench_once "$pg_name" "$pg_script" "$i"
    wrk_once "$name" "$script" / "$connections" "$i"
  done
}

run_loader() {
  local i out
  for ((i = 1; i <= runs; i++)); do
    say "loader dry-run (bench/extract_speed.sh), run $i"
    out=$(timeout 900 bench/extract_speed.sh 10000 "$build")
    echo "$out" >&2
    printf 'loader dry-run\t%s\t%s\t-\t-\t-\t0\n' "$i" \
      "$(sed -n 's/.* \([0-9.]*\) MB\/s.*/\1/p' <<<"$out")" >>"$results"
  done
  for ((i = 1; i <= runs; i++)); do
    say "loader into PostgreSQL (bench/load_speed.sh, $load_articles articles), run $i"
    # Into a fresh database each run; the rate holds as it grows since
    # migration 006 (cells updated in place, not recounted).
    out=$(DATABASE_URL=$database_url timeout 900 bench/load_speed.sh "$load_articles" "$build") ||
      { say "load_speed.sh failed or timed out"; continue; }
    echo "$out" >&2
    printf 'loader into PostgreSQL\t%s\t%s\t-\t-\t-\t0\n' "$i" \
      "$(sed -n 's/^first load: .* \([0-9]*\) articles\/s.*/\1/p' <<<"$out")" >>"$results"
  done
}

print_table() {
  python3 - "$results" "$duration" "$runs" "$connections" <<'PY' | tee "$work/table.txt"
import math, statistics, sys
path, duration, runs, conns = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = {}
order = []
for line in open(path):
    name, run, rate, p50, p99, rss, errors = line.rstrip("\n").split("\t")
    if name not in rows:
        rows[name] = []
        order.append(name)
    rows[name].append((float(rate), float(p50) if p50 != "-" else None,
                       float(p99) if p99 != "-" else None,
                       float(rss) if rss not in ("-", "") else None, int(errors)))
def med(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else None
summary = {}
for name in order:
    r = rows[name]
    rates = [x[0] for x in r]
    summary[name] = dict(rate=med(rates), low=min(rates), high=max(rates),
                         p50=med([x[1] for x in r]), p99=med([x[2] for x in r]),
                         rss=max([x[3] for x in r if x[3] is not None], default=None),
                         errors=sum(x[4] for x in r))
ceiling = {"GET /claims/{id}": "pgbench point read", "GET /claims?issue=X&limit=20": "pgbench list of 20"}
def fmt(v, spec):
    return "-" if v is None else format(v, spec)
print(f"\nParley benchmark: {conns} connections, {duration} s per run, median of {runs} runs "
      "(spread = (max - min) / median; RSS = parleyd's peak, VmHWM, over the runs after warm-up)")
header = f"{'scenario':<32} {'rate':>10} {'spread':>7} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'RSS MB':>7} {'errors':>6}"
print(header)
print("-" * len(header))
for name in order:
    s = summary[name]
    unit = "MB/s" if name == "loader dry-run" else "art/s" if name.startswith("loader") else "/s"
    spread = (s["high"] - s["low"]) / s["rate"] * 100 if s["rate"] else 0
    ratio = None
    if name in ceiling and ceiling[name] in summary:
        ratio = s["rate"] / summary[ceiling[name]]["rate"]
    s["ratio"] = ratio
    print(f"{name:<32} {fmt(s['rate'], '.1f') + unit:>10} {spread:>6.0f}% {fmt(s['p50'], '.2f'):>8} "
          f"{fmt(s['p99'], '.2f'):>8} {fmt(ratio, '.2f'):>6} {fmt(s['rss'], '.1f'):>7} {s['errors']:>6}")
checks = []
def check(label, value, ok, shown, ran=False):
    if value is None and ran:
        checks.append((label, "no answer in time", False))
    elif value is None:
        checks.append((label, "not measured", None))
    else:
        checks.append((label, shown, ok))
g = summary.get
def val(name, key):
    return g(name, {}).get(key)
r = val("GET /claims/{id}", "ratio"); check("GET /claims/{id} >= 0.75x pgbench point read", r, r is not None and r >= 0.75, fmt(r, ".2f") + "x")
r = val("GET /claims?issue=X&limit=20", "ratio"); check("list of 20 >= 0.6x pgbench list query", r, r is not None and r >= 0.6, fmt(r, ".2f") + "x")
for name in ("GET /claims/{id}", "GET /claims?issue=X&limit=20"):
    v = val(name, "p99"); check(f"{name} p99 < 10 ms at {conns} connections", v, v is not None and v < 10, fmt(v, ".2f") + " ms")
for name, label in (("GET /positions", f"GET /positions p50 < 50 ms ({conns} connections)"),
                    ("GET /positions (1 connection)", "GET /positions p50 < 50 ms (1 connection)")):
    v = val(name, "p50"); check(label, v, v is not None and v < 50, fmt(v, ".1f") + " ms", name in summary)
v = val("loader dry-run", "rate"); check("loader dry-run >= 10 MB/s (one core)", v, v is not None and v >= 10, fmt(v, ".1f") + " MB/s")
v = val("loader into PostgreSQL", "rate"); check("loader >= 300 articles/s into PostgreSQL", v, v is not None and v >= 300, fmt(v, ".0f") + " articles/s")
peaks = [s["rss"] for s in summary.values() if s["rss"] is not None]
v = max(peaks) if peaks else None; check(f"parleyd peak RSS < 64 MB at {conns} connections", v, v is not None and v < 64, fmt(v, ".1f") + " MB")
errors = sum(s["errors"] for n, s in summary.items())
check("no errors (non-2xx, socket errors, failed transactions)", errors, errors == 0, str(errors))
print("\nTargets")
for label, shown, ok in checks:
    mark = "not measured" if ok is None else "met" if ok else "MISSED"
    print(f"  {label:<56} {shown:>16}  {mark}")
PY
}

soak() {
  local seconds=$((soak_minutes * 60)) samples=$work/soak.tsv i
  say "soak: mixed load for $soak_minutes min at $connections connections, RSS every 10 s"
  : >"$samples"
  printf '0\t%s\n' "$(rss_mb)" >>"$samples"
  timeout $((seconds + 60)) wrk -t2 -c"$connections" --latency --timeout 30s -s "$work/mixed.lua" \
    -d"${seconds}s" "$base_url/" >"$work/wrk.out" 2>&1 &
  local wrk_pid=$!
  for ((i = 1; i <= seconds / 10; i++)); do
    sleep 10
    printf '%s\t%s\n' "$((i * 10))" "$(rss_mb)" >>"$samples"
    ((i % 6 == 0)) && trim_log
  done
  wait "$wrk_pid" || true
  wrk_line "$work/wrk.out" "soak (mixed)" 1 "$(peak_rss_mb)" >"$work/soak-summary.tsv"
  python3 - "$samples" "$work/soak-summary.tsv" "$soak_minutes" <<'PY' | tee "$work/soak.txt"
import sys
samples = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
name, run, rps, p50, p99, peak, errors = open(sys.argv[2]).read().split("\t")
minutes = int(sys.argv[3])
print(f"\nSoak: {minutes} min of mixed load (70% GET /claims/{{id}}, 20% issue lists, 5% searches, "
      f"4.95% POST /claims, 0.05% /positions)")
print(f"  {float(rps):.0f} requests/s, p50 {float(p50):.2f} ms, p99 {float(p99):.2f} ms, errors {int(errors)}, peak RSS {peak} MB")
print("  RSS (MB) every 10 s: " + " ".join(f"{r:.1f}" for _, r in samples))
# Growth, not spikes: a /positions answer (2 MB) lifts RSS for a moment and
# gives it back. Flat = the median of the last third is within max(2 MB, 5%)
# of the median of the minute after warm-up, and the trend is under 0.5 MB/min.
import statistics
warm = [r for t, r in samples if t >= 60] or [r for _, r in samples]
early = [r for t, r in samples if 60 <= t < 120] or warm[:1]
late = warm[-max(1, len(warm) // 3):]
base = statistics.median(early)
growth = statistics.median(late) - base
n = len(warm)
if n > 1:
    xs = range(n)
    mx, my = (n - 1) / 2, sum(warm) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, warm)) / sum((x - mx) ** 2 for x in xs) * 6
else:
    slope = 0.0
flat = growth <= max(2.0, 0.05 * base) and slope < 0.5
print(f"  after the first minute: median {base:.1f} MB, last third {statistics.median(late):.1f} MB "
      f"({growth:+.1f}), max {max(warm):.1f}, trend {slope:+.2f} MB/min: "
      + ("flat (met)" if flat else "GROWING (missed)"))
PY
}

# --- main -------------------------------------------------------------------

mkdir -p "$work"
install_packages
if ((build_it)); then
  build_parley
else
  [[ -x "$build/parleyd" && -x "$build/parley" ]] || die "--no-build: no binaries in $build"
  say "using the binaries in $build as they are (--no-build)"
fi
prepare_database
key=$(DATABASE_URL=$database_url "$build/parley" key create "bench-$(date +%s)-$$" 2>/dev/null)
: >"$results"
: >"$work/parleyd.problems"
start_parleyd
write_lua "$key"

if ((soak)); then
  soak
  exit 0
fi

capture_sql
run_pair "pgbench point read" "$work/point.pgbench" "GET /claims/{id}" "$work/claim.lua"
run_pair "pgbench list of 20" "$work/list.pgbench" "GET /claims?issue=X&limit=20" "$work/list.lua"
run_wrk "GET /claims?q=word&limit=20" "$work/search.lua" /
if [[ $(curl -s -o /dev/null -w '%{http_code}' "$base_url/positions") == 200 ]]; then
  run_wrk "GET /positions" - /positions
  run_wrk "GET /positions (1 connection)" - /positions 1
else
  say "GET /positions is not there (yet): skipped"
fi
run_wrk "POST /claims" "$work/post.lua" /
# The HTTP layer's own ceiling: no database, a small answer.
run_wrk "GET /healthz" - /healthz
run_wrk "GET /static/parley.css" - /static/parley.css
stop_parleyd
if ((loader)); then
  run_loader
fi
print_table
if [[ -s "$work/parleyd.problems" ]]; then
  say "parleyd logged warnings or errors (first lines of $work/parleyd.problems):"
  head -n 5 "$work/parleyd.problems" >&2
fi
