#!/usr/bin/env bash
# Builds Parley and runs it with its data: installs what is missing, starts
# the project's own PostgreSQL cluster (data in .var/pg, socket in
# /tmp/parley-pg: the default DATABASE_URL of parleyd and parley) unless
# DATABASE_URL is set, applies the migrations, loads the sample article,
# creates a development key (also in .var/dev-key) and serves on PORT
# (default 8080) until Ctrl-C or SIGTERM. Then it stops parleyd, revokes the
# key, and stops the cluster if this run started it. Run again, it reuses the
# cluster and its data.
#
# Environment: PORT (8080), PARLEY_PG_PORT (55432: the cluster's port; another
# port than the default needs DATABASE_URL exported in other shells, as the
# banner shows), DATABASE_URL (a database of your own: no cluster is started),
# PARLEY_SKIP_BUILD=1 (use build/parleyd and build/parley as they are: tests).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Must match CONFIG_DEFAULT_DATABASE_URL (include/common/config.h).
readonly SOCKET_DIR=/tmp/parley-pg
readonly DEFAULT_PG_PORT=55432
readonly CLUSTER_DIR=.var/pg
readonly KEY_FILE=.var/dev-key
http_port=${PORT:-8080}

note() {
  printf 'run.sh: %s\n' "$*" >&2
}

server=""
key_name=""
started_cluster=0

# Ctrl-C reaches the whole process group; parleyd runs in the background of
# this non-interactive shell, which ignores SIGINT for it, so it is told here.
on_signal() {
  trap - INT TERM HUP
  if [[ -n "$server" ]]; then
    kill -TERM "$server" 2>/dev/null || true
  else
    exit 130
  fi
}

cleanup() {
  local status=$?
  trap - INT TERM HUP
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [[ -n "$key_name" ]]; then
    if build/parley key revoke "$key_name" >/dev/null 2>&1; then
      note "revoked the development key $key_name"
    else
      note "warning: could not revoke the development key $key_name (build/parley key revoke $key_name)"
    fi
    rm -f "$KEY_FILE" "$KEY_FILE.name"
  fi
  if ((started_cluster)); then
    scripts/pgcluster.sh stop "$CLUSTER_DIR" && note "stopped the PostgreSQL cluster in $CLUSTER_DIR"
  fi
  exit "$status"
}

trap on_signal INT TERM HUP
trap cleanup EXIT

if [[ "${PARLEY_SKIP_BUILD:-0}" != 1 ]]; then
  scripts/install-deps.sh
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build
fi

own_database=1
if [[ -z "${DATABASE_URL:-}" ]]; then
  own_database=0
  if ! scripts/pgcluster.sh status "$CLUSTER_DIR" >/dev/null; then
    started_cluster=1
  fi
  DATABASE_URL=$(PGCLUSTER_SOCKET_DIR=$SOCKET_DIR \
    scripts/pgcluster.sh start "$CLUSTER_DIR" "${PARLEY_PG_PORT:-$DEFAULT_PG_PORT}")
  export DATABASE_URL
fi

build/parley migrate
# Loading the same bytes twice stores nothing new, so this is safe to rerun.
build/parley load sql/sample/seed-2025-12-29-talks.txt || true

# A key left by a run that could not clean up (SIGKILL): revoke it now.
if [[ -f "$KEY_FILE.name" ]]; then
  build/parley key revoke "$(cat "$KEY_FILE.name")" >/dev/null 2>&1 || true
  rm -f "$KEY_FILE" "$KEY_FILE.name"
fi
name="dev-$(date +%Y%m%d-%H%M%S)-$$"
key=$(build/parley key create "$name" | grep -o 'parley_[A-Za-z0-9_-]*' | head -n 1)
[[ -n "$key" ]] || { note "parley key create printed no key"; exit 1; }
key_name=$name
(umask 077 && printf '%s\n' "$key" >"$KEY_FILE" && printf '%s\n' "$name" >"$KEY_FILE.name")

build/parleyd &
server=$!
for _ in $(seq 1 150); do
  kill -0 "$server" 2>/dev/null || { server=""; note "parleyd did not start"; exit 1; }
  curl -sf -o /dev/null "http://localhost:$http_port/readyz" && break
  sleep 0.2
done

default_url="postgresql:///parley?host=$SOCKET_DIR&port=$DEFAULT_PG_PORT&user=postgres"
if [[ "$DATABASE_URL" == "$default_url" ]]; then
  url_note="(the default of parleyd and parley)"
else
  url_note="(not the default: export it in other shells)"
fi
if ((own_database)); then
  cluster_note="yours (DATABASE_URL was set): left as it is"
elif ((started_cluster)); then
  cluster_note="started by this run in $CLUSTER_DIR: stopped when it ends"
else
  cluster_note="already running, left running (stop: scripts/pgcluster.sh stop $CLUSTER_DIR)"
fi
cat <<MESSAGE

Parley is serving on http://localhost:$http_port/ (the page; the API is under it)
Database:        $DATABASE_URL
                 $url_note; $cluster_note
Development key: $key
                 (write scope, also in $KEY_FILE; revoked when this run ends)

In another shell, from $top:
  export DATABASE_URL='$DATABASE_URL'
  export API=http://localhost:$http_port
  export KEY=\$(cat $KEY_FILE)
  curl -s "\$API/claims?limit=3"
  build/parley key list
More in README.md, "Quick start". Stop with Ctrl-C.

MESSAGE

# A trapped signal interrupts `wait`: wait again until parleyd has drained.
status=0
while kill -0 "$server" 2>/dev/null; do
  wait "$server" && status=0 || status=$?
done
server=""
exit "$status"
