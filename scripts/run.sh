#!/usr/bin/env bash
# Builds Parley and runs it with its data: installs what is missing, starts
# the project's own PostgreSQL cluster in .var/pg (unless DATABASE_URL is
# set), applies the migrations, loads the sample article, prints a fresh
# development key and serves on PORT (default 8080). Run again, it reuses the
# cluster and its data.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/pgcluster.sh start "$top/.var/pg" "${PARLEY_PG_PORT:-55432}")
  export DATABASE_URL
fi

build/parley migrate
# Loading the same bytes twice stores nothing new, so this is safe to rerun.
build/parley load sql/sample/seed-2025-12-29-talks.txt || true

key=$(build/parley key create "dev-$(date +%Y%m%d-%H%M%S)")
cat <<MESSAGE

Parley is starting on http://localhost:${PORT:-8080}
Database:        the one in DATABASE_URL (default: the cluster in .var/pg)
Development key: $key
Try:             curl -s http://localhost:${PORT:-8080}/claims?limit=3
                 curl -s -X POST http://localhost:${PORT:-8080}/parties \\
                   -H 'Authorization: Bearer $key' \\
                   -H 'Content-Type: application/json' -d '{"name":"Qatar","kind":"state"}'
Stop with Ctrl-C.

MESSAGE
exec build/parleyd
