#!/usr/bin/env bash
# Builds the image from docker/Dockerfile with podman and checks it end to end:
# parleyd in the container against a private PostgreSQL on 127.0.0.1, /readyz,
# a key made with the image's `parley key create`, the sample article loaded
# through POST /articles, the built-in health check, then SIGTERM (podman
# stop) and exit status 0.
#
#   scripts/container-test.sh            (as root; podman, runc, debootstrap)
#
# No registry is reachable here, so the base images are made once from
# Debian's packages with debootstrap and tagged with the upstream names
# (debian:bookworm and debian:bookworm-slim): the same Dockerfile builds here
# and anywhere else. podman runs with runc (crun refuses this host's hybrid
# cgroups), lowered rlimits, host networking, and storage under
# PARLEY_CTR_DIR (default /tmp/ctr). Exits 77 (skipped) without podman.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

ctr=${PARLEY_CTR_DIR:-/tmp/ctr}
image=${PARLEY_IMAGE:-localhost/parley:test}
P=(podman --root "$ctr/storage" --runroot "$ctr/runroot" --runtime runc)
U=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
started=$(date +%s)

note() {
  printf 'container-test: [%3ds] %s\n' "$(($(date +%s) - started))" "$*" >&2
}

for tool in podman runc debootstrap curl python3; do
  if ! command -v "$tool" >/dev/null; then
    note "skipped: $tool is not installed (apt-get install podman buildah runc debootstrap)"
    exit 77
  fi
done
if [[ "$(id -u)" -ne 0 ]]; then
  note "skipped: run as root (rootful podman with storage under $ctr)"
  exit 77
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

work=$(mktemp -d /tmp/parley-ctest-ctr.XXXXXX)
name="parley-ct-$$"
pg_port=$(free_port)
http_port=$(free_port)
cleanup() {
  "${P[@]}" rm -f "$name" >/dev/null 2>&1 || true
  scripts/pgcluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Base images, made once.
if ! "${P[@]}" image exists docker.io/library/debian:bookworm-slim; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  note "making the base image with debootstrap from $mirror"
  rm -rf "$ctr/rootfs"
  mkdir -p "$ctr"
  debootstrap --variant=minbase bookworm "$ctr/rootfs" "$mirror" >"$ctr/debootstrap.log" 2>&1 ||
    { tail -n 20 "$ctr/debootstrap.log" >&2; exit 1; }
  tar -C "$ctr/rootfs" -c . | "${P[@]}" import - docker.io/library/debian:bookworm-slim >/dev/null
  rm -rf "$ctr/rootfs"
fi
if ! "${P[@]}" image exists docker.io/library/debian:bookworm; then
  "${P[@]}" tag docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm
fi

# 2. The image, from the same Dockerfile (docker format keeps HEALTHCHECK).
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
note "building $image (commit $commit)"
"${P[@]}" build "${U[@]}" --network=host --format docker \
  --build-arg PARLEY_GIT_COMMIT="$commit" -f docker/Dockerfile -t "$image" . >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log" >&2; exit 1; }
note "built: $("${P[@]}" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
user=$("${P[@]}" image inspect --format '{{.Config.User}}' "$image")
[[ "$user" =~ ^[0-9]+(:[0-9]+)?$ && "$user" != 0* ]] || { note "FAIL: image user '$user' is not a numeric non-root id"; exit 1; }

# 3. A private PostgreSQL on 127.0.0.1 (trust authentication, throwaway).
PGCLUSTER_TCP=1 PGCLUSTER_FAST=1 scripts/pgcluster.sh start "$work/pg" "$pg_port" >/dev/null
database_url="postgresql://postgres@127.0.0.1:$pg_port/parley"
note "PostgreSQL on 127.0.0.1:$pg_port"

# 4. parleyd in the container (it applies the migrations at start-up).
"${P[@]}" run -d "${U[@]}" --network=host --name "$name" \
  -e DATABASE_URL="$database_url" -e PORT="$http_port" -e PARLEY_THREADS=2 \
  "$image" >/dev/null 2>"$work/podman.log"
api="http://127.0.0.1:$http_port"
ready=""
for _ in $(seq 1 120); do
  ready=$(curl -s -o /dev/null -w '%{http_code}' "$api/readyz" || true)
  [[ "$ready" == 200 ]] && break
  sleep 0.25
done
if [[ "$ready" != 200 ]]; then
  "${P[@]}" logs "$name" >&2 || true
  note "FAIL: /readyz answered '$ready'"
  exit 1
fi
note "/readyz 200"

# 5. A key from the image's CLI, then the sample article through the API.
key=$("${P[@]}" run --rm "${U[@]}" --network=host -e DATABASE_URL="$database_url" \
  --entrypoint /usr/local/bin/parley "$image" key create container-test 2>>"$work/podman.log" | grep -o 'parley_[A-Za-z0-9_-]*' | head -1)
[[ -n "$key" ]] || { note "FAIL: parley key create printed no key"; exit 1; }
status=$(curl -s -o "$work/load.json" -w '%{http_code}' -X POST "$api/articles" \
  -H "Authorization: Bearer $key" -H 'Content-Type: text/plain' \
  --data-binary @sql/sample/seed-2025-12-29-talks.txt)
claims=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["claims"]))' "$work/load.json" 2>/dev/null || echo 0)
if [[ "$status" != 201 || "$claims" -lt 1 ]]; then
  cat "$work/load.json" >&2 || true
  note "FAIL: POST /articles answered $status with $claims claims"
  exit 1
fi
note "POST /articles 201 with $claims claims"
# Read the whole body first: grep -q exiting early would fail curl (pipefail).
metrics=$(curl -sf "$api/metrics")
grep -q '^parley_articles_loaded_total 1$' <<<"$metrics" ||
  { note "FAIL: /metrics does not count the article"; exit 1; }

# 6. The image's HEALTHCHECK command, run by podman.
"${P[@]}" healthcheck run "$name" >/dev/null 2>>"$work/podman.log" ||
  { note "FAIL: podman healthcheck run"; exit 1; }
note "healthcheck passed"

# 7. SIGTERM: parleyd drains and exits 0.
"${P[@]}" stop -t 30 "$name" >/dev/null 2>>"$work/podman.log"
code=$("${P[@]}" inspect --format '{{.State.ExitCode}}' "$name")
"${P[@]}" logs "$name" >"$work/parleyd.log" 2>&1 || true
if [[ "$code" != 0 ]]; then
  tail -n 20 "$work/parleyd.log" >&2
  note "FAIL: exit status $code after SIGTERM"
  exit 1
fi
grep -q '"message":"stopped"' "$work/parleyd.log" ||
  { tail -n 5 "$work/parleyd.log" >&2; note "FAIL: no 'stopped' line: not a clean drain"; exit 1; }
note "stopped by SIGTERM with exit status 0"
note "passed in $(($(date +%s) - started)) s"
