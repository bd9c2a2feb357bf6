#!/usr/bin/env bash
# Soak: mixed reads and writes at full speed against a parleyd built with
# AddressSanitizer (LeakSanitizer reports at exit), then nothing lost or extra.
#
#   bench/soak.sh                      # 10 minutes
#   SOAK_SECONDS=120 bench/soak.sh     # 2 minutes
#
# Builds parleyd and parley with clang, ASan and UBSan in $SOAK_BUILD, starts
# a throwaway PostgreSQL cluster, runs $SOAK_CLIENTS clients (keep-alive
# connections) that create parties, claims with issue links and articles,
# patch and delete claims, delete articles, and read lists, records,
# positions and metrics as fast as the server answers. Each client keeps at
# most 10 parties, 100 claims and 10 articles of its own (it deletes its
# oldest past that), so after warm-up the data no longer grows and neither
# should parleyd's memory. Every 10 s it samples parleyd's RSS. At the end
# it compares what the database holds with what the clients were told was
# created (and deleted), stops parleyd with SIGTERM and reads the sanitizer
# report. Exit status 0 only when nothing was lost or extra, no 5xx but 503
# was answered, RSS stayed flat after warm-up and no leak or error was found.
# (bench/run.sh --soak is the -O2 throughput soak with wrk; this one checks
# correctness and leaks under the sanitizers.)
#
# Environment: SOAK_SECONDS (600), SOAK_CLIENTS (8), SOAK_THREADS (parleyd
# threads, 4), SOAK_SANITIZE (1; 0 builds -O2 without sanitizers, to tell
# the allocator's RSS from the program's), SOAK_BUILD (build-soak), SOAK_DIR (/tmp/parley-soak),
# SOAK_PG_PORT (55485), SOAK_HTTP_PORT (18485), SOAK_RSS_GROWTH (allowed
# growth of RSS after warm-up, percent, 15).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

seconds=${SOAK_SECONDS:-600}
clients=${SOAK_CLIENTS:-8}
threads=${SOAK_THREADS:-4}
build=${SOAK_BUILD:-build-soak}
dir=${SOAK_DIR:-/tmp/parley-soak}
pg_port=${SOAK_PG_PORT:-55485}
http_port=${SOAK_HTTP_PORT:-18485}
rss_growth=${SOAK_RSS_GROWTH:-15}
sanitize=${SOAK_SANITIZE:-1}
[[ "$sanitize" == 0 ]] && build=${SOAK_BUILD:-build-soak-plain}
[[ "$seconds" =~ ^[0-9]+$ && "$clients" =~ ^[0-9]+$ ]] ||
  { echo "soak.sh: SOAK_SECONDS and SOAK_CLIENTS are whole numbers" >&2; exit 2; }

say() { printf '[soak %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  scripts/pgcluster.sh stop "$dir/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [[ "$sanitize" == 0 ]]; then
  say "building without sanitizers in $build"
  sanitize_flag=OFF
else
  say "building with ASan + UBSan in $build"
  sanitize_flag=ON
fi
CC=clang cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARLEY_SANITIZE=$sanitize_flag >/dev/null
ninja -C "$build" parleyd parley >/dev/null

rm -rf "$dir"
mkdir -p "$dir"
url=$(PGCLUSTER_FAST=1 scripts/pgcluster.sh start "$dir/pg" "$pg_port" 2>/dev/null | tail -1)
export DATABASE_URL=$url
"$build/parley" migrate >/dev/null
key=$("$build/parley" key create soak 2>/dev/null)

# A small quarantine keeps RSS meaningful (the default 256 MB would look like
# growth); leaks are reported when parleyd exits.
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16:malloc_context_size=10
export UBSAN_OPTIONS=print_stacktrace=1
PORT=$http_port PARLEY_THREADS=$threads PARLEY_LOG_LEVEL=warn \
  "$build/parleyd" >"$dir/parleyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null && break
  sleep 0.1
done
say "parleyd $server_pid on port $http_port, $clients clients for ${seconds}s"

(
  while kill -0 "$server_pid" 2>/dev/null; do
    printf '%s %s\n' "$(date +%s)" "$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)"
    sleep 10
  done
) >"$dir/rss.txt" &
sampler=$!

status=0
python3 - "$http_port" "$key" "$seconds" "$clients" "$dir/clients.json" <<'EOF' || status=1
"""The soak's clients: mixed traffic, and a ledger of what the server said it created."""
import hashlib, http.client, json, random, sys, threading, time

port, key, seconds, clients, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
marker = "soak" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
lock = threading.Lock()
ledger = {"parties": set(), "claims": set(), "deleted": set(), "articles": set(), "articles_deleted": set(),
          "statuses": {}, "requests": 0, "errors": []}
MAX_PARTIES, MAX_CLAIMS, MAX_ARTICLES = 10, 100, 10
ISSUES = ["ceasefire", "donbas", "sanctions", "territory", "elections", "referendum"]
STANCES = ["demands", "proposes", "rejects", "accepts", "threatens", "asserts"]


def client(n):
    rnd = random.Random(n)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    auth = {"Authorization": f"Bearer {key}"}
    mine_parties, mine_claims, mine_articles = [], [], []  # articles: (id, sha256)
    deadline = time.monotonic() + seconds
    i = 0

    def call(method, path, body=None, headers=None, raw=None):
        nonlocal conn
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                payload = resp.read()
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if attempt == 1 or method != "GET":
                    # A write whose answer was lost: unknown outcome, so stop counting it.
                    raise
        with lock:
            ledger["requests"] += 1
            ledger["statuses"][resp.status] = ledger["statuses"].get(resp.status, 0) + 1
            if resp.status >= 500 and resp.status != 503:
                ledger["errors"].append((method, path, resp.status, payload[:200].decode(errors="replace")))
        return resp.status, (json.loads(payload) if payload and payload[:1] in b"{[" else None)

    while time.monotonic() < deadline:
        i += 1
        op = rnd.random()
        if not mine_parties or (op < 0.08 and len(mine_parties) < MAX_PARTIES):
            slug = f"{marker}-{n}-{i}"
            st, body = call("POST", "/parties", {"name": f"Soak {n} {i}", "kind": "state", "slug": slug}, auth)
            if st == 201:
                mine_parties.append(slug)
                with lock:
                    ledger["parties"].add(slug)
        elif op < 0.30 and len(mine_claims) >= MAX_CLAIMS:
            cid = mine_claims.pop(0)
            st, _ = call("DELETE", f"/claims/{cid}", None, auth)
            if st == 204:
                with lock:
                    ledger["deleted"].add(cid)
        elif op < 0.30:
            st, body = call("POST", "/claims", {"party": rnd.choice(mine_parties), "stance": rnd.choice(STANCES),
                                                "text": f"{marker} claim {n} {i}", "stated_on": "2025-12-01",
                                                "issues": rnd.sample(ISSUES, rnd.randint(1, 3))}, auth)
            if st == 201:
                mine_claims.append(body["id"])
                with lock:
                    ledger["claims"].add(body["id"])
        elif op < 0.36 and mine_claims:
            cid = rnd.choice(mine_claims)
            call("PATCH", f"/claims/{cid}", {"stance": rnd.choice(STANCES)}, auth)
        elif op < 0.40 and mine_claims:
            cid = mine_claims.pop(rnd.randrange(len(mine_claims)))
            st, _ = call("DELETE", f"/claims/{cid}", None, auth)
            if st == 204:
                with lock:
                    ledger["deleted"].add(cid)
        elif op < 0.43 and len(mine_articles) >= MAX_ARTICLES:
            aid, sha = mine_articles.pop(0)
            st, _ = call("DELETE", f"/articles/{aid}", None, auth)
            if st == 204:
                with lock:
                    ledger["articles_deleted"].add(sha)
        elif op < 0.43:
            text = (f" date 2025-12-{1 + i % 28:02d}\n\nKyiv — Russia has rejected the idea of a ceasefire, "
                    f"officials said.\n\nKremlin spokesperson Dmitry Peskov said Ukraine must withdraw "
                    f"{marker} {n} {i}.\n")
            st, body = call("POST", "/articles", None, dict(auth, **{"Content-Type": "text/plain"}),
                            raw=text.encode())
            if st == 201:
                sha = hashlib.sha256(text.encode()).hexdigest()
                mine_articles.append((body["article"]["id"], sha))
                with lock:
                    ledger["articles"].add(sha)
        elif op < 0.60:
            call("GET", f"/claims?party={rnd.choice(mine_parties)}&limit=50")
        elif op < 0.70:
            call("GET", f"/claims/{rnd.choice(mine_claims)}" if mine_claims else "/claims?limit=10")
        elif op < 0.78:
            call("GET", rnd.choice(["/positions", "/positions?depth=fine", "/shifts?limit=20",
                                    "/positions?since=2025-01-01"]))
        elif op < 0.86:
            call("GET", rnd.choice(["/parties?limit=100", "/issues?limit=50", "/articles?limit=20",
                                    f"/claims?q=claim&limit=20", "/claims?issue=territory&limit=50"]))
        elif op < 0.90:
            call("GET", "/claims?limit=20", headers={"Accept": "text/csv"})
        elif op < 0.93:
            call("GET", "/metrics")
        else:
            call("GET", f"/parties/{rnd.choice(mine_parties)}")
    conn.close()


def run(n):
    try:
        client(n)
    except Exception as e:  # noqa: BLE001 - a client that died is a failure of the soak
        with lock:
            ledger["errors"].append(("client", n, repr(e)))


threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ledger = {k: sorted(v) if isinstance(v, set) else v for k, v in ledger.items()}
ledger["marker"] = marker
json.dump(ledger, open(out, "w"))
print(f"requests {ledger['requests']}, statuses {ledger['statuses']}, parties {len(ledger['parties'])}, "
      f"claims {len(ledger['claims'])} (deleted {len(ledger['deleted'])}), articles {len(ledger['articles'])} "
      f"(deleted {len(ledger['articles_deleted'])})")
for e in ledger["errors"][:10]:
    print("error:", e)
sys.exit(1 if ledger["errors"] else 0)
EOF

say "counting records against what the clients were told"
python3 - "$dir/clients.json" <<'EOF' || status=1
import json, subprocess, sys
ledger = json.load(open(sys.argv[1]))
marker = ledger["marker"]

def rows(sql):
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-d", __import__("os").environ["DATABASE_URL"], "-c", sql],
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]

parties = set(rows(f"SELECT slug FROM parties WHERE slug LIKE '{marker}-%'"))
claims = {int(x) for x in rows(f"SELECT id FROM claims WHERE text LIKE '{marker} claim %'")}
articles = set(rows(f"SELECT sha256 FROM articles WHERE text LIKE '%{marker} %'"))
unlinked = rows(f"SELECT count(*) FROM claims c WHERE c.text LIKE '{marker} claim %' "
                "AND NOT EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = c.id)")[0]
want_claims = set(ledger["claims"]) - set(ledger["deleted"])
ok = True
for name, have, want in (("parties", parties, set(ledger["parties"])), ("claims", claims, want_claims),
                         ("articles", articles, set(ledger["articles"]) - set(ledger["articles_deleted"]))):
    lost, extra = want - have, have - want
    print(f"{name}: told {len(want)}, stored {len(have)}, lost {len(lost)}, extra {len(extra)}")
    ok = ok and not lost and not extra
print(f"claims without issue links: {unlinked}")
sys.exit(0 if ok and unlinked == "0" else 1)
EOF

say "stopping parleyd (SIGTERM); LeakSanitizer reports at exit"
kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
server_pid=
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
echo "parleyd exit status: $rc"
[[ $rc -eq 0 ]] || status=1

echo "RSS (kB) every 10 s:"
awk '{printf "  %ds %s\n", NR * 10 - 10, $2}' "$dir/rss.txt"
# Flat after warm-up: the last sample within SOAK_RSS_GROWTH percent of the
# sample at a third of the run.
if ! awk -v g="$rss_growth" '{ v[NR] = $2 } END {
    if (NR < 3) { print "RSS: too few samples"; exit 0 }
    w = v[int(NR / 3) + 1]; last = v[NR];
    printf "RSS after warm-up %d kB, at the end %d kB (%+.1f%%)\n", w, last, (last - w) * 100 / w;
    exit (last > w * (1 + g / 100)) }' "$dir/rss.txt"; then
  echo "RSS grew more than ${rss_growth}% after warm-up"
  status=1
fi

if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$dir/parleyd.log"; then
  echo "sanitizer report (in $dir/parleyd.log):"
  grep -E -A12 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$dir/parleyd.log" | head -60
  status=1
else
  echo "sanitizers: no leak, no error"
fi
if [[ $status -eq 0 ]]; then say "soak passed"; else say "soak FAILED"; fi
exit $status
