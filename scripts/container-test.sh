#!/usr/bin/env bash
# Builds the image from docker/Dockerfile with podman and checks it end to end:
# its OCI labels, one-shot `parley migrate` and `parley load` with the image
# (the README's commands), a secret read from PGPASSWORD_FILE by the
# entrypoint, parleyd in the container as compose.yaml runs it (read-only,
# every capability dropped, no-new-privileges) against a private PostgreSQL on
# 127.0.0.1, /readyz, a key made with the image's `parley key create`, the
# sample article through POST /articles, the built-in health check, then
# SIGTERM (podman stop) and exit status 0.
#
#   scripts/container-test.sh            (as root; podman, runc, debootstrap)
#
# No registry is reachable here, so the base image is made once from
# Debian's packages with debootstrap and tagged with the Dockerfile's FROM
# names (pinned releases, e.g. debian:12.11 and debian:12.11-slim): the same
# Dockerfile builds here and anywhere else. podman runs with runc (crun refuses this host's hybrid
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

# 1. Base images, made once, tagged with every FROM name of the Dockerfile.
bases=$(awk 'toupper($1) == "FROM" {print $2}' docker/Dockerfile)
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
for base in $bases; do
  if ! "${P[@]}" image exists "docker.io/library/$base"; then
    "${P[@]}" tag docker.io/library/debian:bookworm-slim "docker.io/library/$base"
  fi
done

# 2. The image, from the same Dockerfile (docker format keeps HEALTHCHECK).
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
note "building $image (commit $commit)"
"${P[@]}" build "${U[@]}" --network=host --format docker \
  --build-arg PARLEY_GIT_COMMIT="$commit" -f docker/Dockerfile -t "$image" . >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log" >&2; exit 1; }
note "built: $("${P[@]}" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
user=$("${P[@]}" image inspect --format '{{.Config.User}}' "$image")
[[ "$user" =~ ^[0-9]+(:[0-9]+)?$ && "$user" != 0* ]] || { note "FAIL: image user '$user' is not a numeric non-root id"; exit 1; }
revision=$("${P[@]}" image inspect --format '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$image")
title=$("${P[@]}" image inspect --format '{{index .Config.Labels "org.opencontainers.image.title"}}' "$image")
[[ "$revision" == "$commit" && "$title" == Parley ]] ||
  { note "FAIL: OCI labels: title '$title', revision '$revision' (expected $commit)"; exit 1; }
note "OCI labels: title $title, revision $revision"

# 3. A private PostgreSQL on 127.0.0.1 (trust authentication, throwaway).
PGCLUSTER_TCP=1 PGCLUSTER_FAST=1 scripts/pgcluster.sh start "$work/pg" "$pg_port" >/dev/null
database_url="postgresql://postgres@127.0.0.1:$pg_port/parley"
note "PostgreSQL on 127.0.0.1:$pg_port"

# The hardening of docker/compose.yaml, for every container of the image.
H=(--read-only --cap-drop ALL --security-opt no-new-privileges)

# 4. One-shot commands with the image, as the README shows them: migrate,
# then load a mounted folder (the entrypoint runs the command given).
"${P[@]}" run --rm "${U[@]}" "${H[@]}" --network=host -e DATABASE_URL="$database_url" \
  "$image" parley migrate >"$work/migrate.out" 2>&1 ||
  { cat "$work/migrate.out" >&2; note "FAIL: parley migrate with the image"; exit 1; }
grep -q '^migrations applied: [1-9]' "$work/migrate.out" ||
  { cat "$work/migrate.out" >&2; note "FAIL: parley migrate applied nothing"; exit 1; }
mkdir -p "$work/articles"
printf 'Kyiv — Ukraine rejected any withdrawal from Donbas, Zelensky said on Monday.\n' \
  >"$work/articles/one-shot.txt"
chmod -R a+rX "$work"
"${P[@]}" run --rm "${U[@]}" "${H[@]}" --network=host -e DATABASE_URL="$database_url" \
  -v "$work/articles:/articles:ro" "$image" parley load /articles >"$work/load.out" 2>&1 ||
  { cat "$work/load.out" >&2; note "FAIL: parley load with the image"; exit 1; }
grep -q '^loaded 1, unchanged 0, failed 0' "$work/load.out" ||
  { cat "$work/load.out" >&2; note "FAIL: parley load did not load the article"; exit 1; }
note "one-shot parley migrate and parley load /articles"

# A secret from a file: the entrypoint reads PGPASSWORD_FILE (under the
# image's /bin/sh, read-only) and passes PGPASSWORD on, not the _FILE name.
printf 'p@ss:w/rd #1\n' >"$work/db_password"
chmod 0444 "$work/db_password"
secret=$("${P[@]}" run --rm "${U[@]}" "${H[@]}" -e PGPASSWORD_FILE=/run/secrets/db_password \
  -v "$work/db_password:/run/secrets/db_password:ro" "$image" \
  sh -c 'printf "%s|%s" "$PGPASSWORD" "${PGPASSWORD_FILE-unset}"' 2>>"$work/podman.log")
[[ "$secret" == 'p@ss:w/rd #1|unset' ]] || { note "FAIL: PGPASSWORD_FILE gave '$secret'"; exit 1; }
note "PGPASSWORD_FILE read by the entrypoint"

# 5. parleyd in the container, hardened as compose.yaml runs it.
"${P[@]}" run -d "${U[@]}" "${H[@]}" --network=host --name "$name" \
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

# 6. A key from the image's CLI, then the sample article through the API.
key=$("${P[@]}" run --rm "${U[@]}" "${H[@]}" --network=host -e DATABASE_URL="$database_url" \
  "$image" parley key create container-test 2>>"$work/podman.log" | grep -o 'parley_[A-Za-z0-9_-]*' | head -1)
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

# 7. The image's HEALTHCHECK command, run by podman.
"${P[@]}" healthcheck run "$name" >/dev/null 2>>"$work/podman.log" ||
  { note "FAIL: podman healthcheck run"; exit 1; }
note "healthcheck passed"

# 8. SIGTERM: parleyd drains and exits 0.
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
