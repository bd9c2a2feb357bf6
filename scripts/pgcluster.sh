#!/usr/bin/env bash
# A private, throwaway PostgreSQL 15 cluster for development and tests.
#
#   scripts/pgcluster.sh start  DIR [PORT]   create (if absent) and start; print DATABASE_URL
#   scripts/pgcluster.sh stop   DIR          stop (fast mode); no-op when not running
#   scripts/pgcluster.sh status DIR          print running/stopped; exit 0 when running, 3 if not
#   scripts/pgcluster.sh url    DIR [PORT]   print DATABASE_URL
#
# Layout: DIR/data (the cluster), DIR/log (server log), DIR/port (the port it
# was started on), DIR/socket_dir (where its socket is), and the unix socket
# SOCKET_DIR/.s.PGSQL.PORT (SOCKET_DIR is DIR unless PGCLUSTER_SOCKET_DIR says
# otherwise). Trust authentication for the user postgres, so the socket's
# directory is private (0700, owned by the server's user). The database
# `parley` is created when absent.
#
# Environment:
#   PGCLUSTER_SOCKET_DIR=PATH  the socket's directory (default DIR): a short,
#                      fixed path (e.g. /tmp/parley-pg, what DATABASE_URL's
#                      default names) whatever DIR is; created when absent
#   PGCLUSTER_TCP=1    also listen on 127.0.0.1:PORT (default: unix socket only)
#   PGCLUSTER_FAST=1   fsync=off and initdb --no-sync (tests; data may be lost on a crash)
#   PGBIN              PostgreSQL's bin directory (default: pg_config --bindir,
#                      else /usr/lib/postgresql/15/bin)
#
# As root, initdb and pg_ctl run as the postgres user (initdb refuses root);
# DIR is chowned to postgres and its parent directories are made traversable.
set -euo pipefail

readonly DEFAULT_PORT=55432
readonly DB_NAME=parley
readonly DB_USER=postgres

prog=$(basename "$0")

die() {
  printf '%s: error: %s\n' "$prog" "$*" >&2
  exit 1
}

note() {
  printf '%s: %s\n' "$prog" "$*" >&2
}

usage() {
  cat >&2 <<EOF
usage: $prog start  DIR [PORT]   create if absent, start, print DATABASE_URL
       $prog stop   DIR          stop the cluster (fast mode)
       $prog status DIR          print running/stopped (exit 0 when running, 3 if not)
       $prog url    DIR [PORT]   print DATABASE_URL
environment: PGCLUSTER_TCP=1 (listen on 127.0.0.1), PGCLUSTER_FAST=1 (fsync=off), PGBIN
EOF
  exit 2
}

find_pgbin() {
  if [[ -n "${PGBIN:-}" ]]; then
    printf '%s\n' "$PGBIN"
    return
  fi
  local bindir=""
  if command -v pg_config >/dev/null 2>&1; then
    bindir=$(pg_config --bindir 2>/dev/null || true)
  fi
  if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    bindir=/usr/lib/postgresql/15/bin
  fi
  printf '%s\n' "$bindir"
}

is_root() {
  [[ "$(id -u)" -eq 0 ]]
}

# Run a PostgreSQL server program as the postgres user when we are root.
as_pg() {
  if is_root; then
    runuser -u "$DB_USER" -- "$@"
  else
    "$@"
  fi
}

check_port() {
  local port=$1
  if [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    die "invalid port '$port' (expected 1-65535)"
  fi
}

# Absolute path of DIR without requiring it to exist.
abs_dir() {
  local dir=$1
  [[ -n "$dir" ]] || die "DIR must not be empty"
  case "$dir" in
    /*) ;;
    *) dir="$PWD/$dir" ;;
  esac
  # Drop trailing slashes (but keep "/").
  while [[ "$dir" == */ && "$dir" != / ]]; do
    dir=${dir%/}
  done
  # The path goes into a server option string and a URL: keep it simple.
  if [[ ! "$dir" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
    die "DIR '$dir' contains characters this script does not handle (use [A-Za-z0-9/._+-])"
  fi
  printf '%s\n' "$dir"
}

# Port the running (or last started) cluster uses, else the argument, else default.
resolve_port() {
  local dir=$1 given=${2:-}
  if [[ -n "$given" ]]; then
    check_port "$given"
    printf '%s\n' "$given"
  elif [[ -f "$dir/data/postmaster.pid" ]] && running "$dir"; then
    sed -n '4p' "$dir/data/postmaster.pid"
  elif [[ -f "$dir/port" ]]; then
    cat "$dir/port"
  else
    printf '%s\n' "$DEFAULT_PORT"
  fi
}

# The socket directory: PGCLUSTER_SOCKET_DIR, else the running server's
# (postmaster.pid's fifth line), else the one it was last started with, else DIR.
resolve_socket_dir() {
  local dir=$1 socket_dir=""
  if [[ -n "${PGCLUSTER_SOCKET_DIR:-}" ]]; then
    abs_dir "$PGCLUSTER_SOCKET_DIR"
    return
  fi
  if [[ -f "$dir/data/postmaster.pid" ]] && running "$dir"; then
    socket_dir=$(sed -n '5p' "$dir/data/postmaster.pid")
  fi
  if [[ -z "$socket_dir" && -f "$dir/socket_dir" ]]; then
    socket_dir=$(cat "$dir/socket_dir")
  fi
  printf '%s\n' "${socket_dir:-$dir}"
}

url_for() {
  local socket_dir=$1 port=$2
  printf 'postgresql:///%s?host=%s&port=%s&user=%s\n' "$DB_NAME" "$socket_dir" "$port" "$DB_USER"
}

running() {
  local dir=$1
  [[ -f "$dir/data/PG_VERSION" ]] || return 1
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

# Make every ancestor of DIR traversable by the postgres user (root only).
make_reachable() {
  local dir=$1 parent
  parent=$(dirname "$dir")
  while [[ "$parent" != / ]]; do
    if ! runuser -u "$DB_USER" -- test -x "$parent" 2>/dev/null; then
      note "making $parent traversable (chmod o+x) for the $DB_USER user"
      chmod o+x "$parent" || die "cannot chmod o+x $parent"
    fi
    parent=$(dirname "$parent")
  done
}

prepare_dir() {
  local dir=$1
  mkdir -p "$dir" || die "cannot create $dir"
  if is_root; then
    getent passwd "$DB_USER" >/dev/null || die "no '$DB_USER' system user (install postgresql)"
    make_reachable "$dir"
    chown "$DB_USER" "$dir" || die "cannot chown $dir to $DB_USER"
    chmod 0700 "$dir"
    if ! runuser -u "$DB_USER" -- test -w "$dir" 2>/dev/null; then
      die "$dir is not writable by the $DB_USER user"
    fi
  else
    [[ -w "$dir" ]] || die "$dir is not writable"
  fi
}

# A socket directory apart from DIR: private to the server's user, like DIR.
prepare_socket_dir() {
  local socket_dir=$1
  if [[ ! -d "$socket_dir" ]]; then
    mkdir -p "$socket_dir" || die "cannot create $socket_dir"
    chmod 0700 "$socket_dir"
    if is_root; then
      chown "$DB_USER" "$socket_dir" || die "cannot chown $socket_dir to $DB_USER"
    fi
  fi
  if is_root; then
    make_reachable "$socket_dir"
    runuser -u "$DB_USER" -- test -w "$socket_dir" 2>/dev/null ||
      die "$socket_dir is not writable by the $DB_USER user (remove it or set PGCLUSTER_SOCKET_DIR)"
  else
    [[ -w "$socket_dir" ]] || die "$socket_dir is not writable (remove it or set PGCLUSTER_SOCKET_DIR)"
  fi
}

init_cluster() {
  local dir=$1
  if [[ -f "$dir/data/PG_VERSION" ]]; then
    local version
    version=$(cat "$dir/data/PG_VERSION")
    [[ "$version" == 15 ]] || note "warning: $dir/data is a PostgreSQL $version cluster"
    return
  fi
  if [[ -e "$dir/data" ]] && [[ -n "$(ls -A "$dir/data" 2>/dev/null)" ]]; then
    die "$dir/data exists, is not empty and is not a PostgreSQL cluster"
  fi
  local -a args=(-D "$dir/data" -U "$DB_USER" -A trust -E UTF8 --locale=C.UTF-8)
  if [[ "${PGCLUSTER_FAST:-0}" == 1 ]]; then
    args+=(--no-sync)
  fi
  note "initialising a new cluster in $dir/data"
  if ! as_pg "$PGBIN/initdb" "${args[@]}" >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed (log: $dir/initdb.log)"
  fi
}

create_database() {
  local dir=$1 port=$2 exists
  # `dir` is where the socket is.
  exists=$(psql -X -q -t -A -h "$dir" -p "$port" -U "$DB_USER" -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ||
    die "cannot query the cluster on $dir port $port"
  if [[ "$exists" != 1 ]]; then
    psql -X -q -h "$dir" -p "$port" -U "$DB_USER" -d postgres \
      -c "CREATE DATABASE $DB_NAME" >/dev/null ||
      die "cannot create database $DB_NAME"
  fi
}

cmd_start() {
  local dir port socket_dir
  dir=$(abs_dir "$1")
  if [[ -n "${2:-}" ]]; then
    check_port "$2"
  fi
  if running "$dir"; then
    port=$(resolve_port "$dir")
    if [[ -n "${2:-}" && "$2" != "$port" ]]; then
      note "warning: already running on port $port (not $2)"
    fi
    socket_dir=$(PGCLUSTER_SOCKET_DIR='' resolve_socket_dir "$dir")
    if [[ -n "${PGCLUSTER_SOCKET_DIR:-}" && "$(abs_dir "$PGCLUSTER_SOCKET_DIR")" != "$socket_dir" ]]; then
      note "warning: already running with its socket in $socket_dir (not $PGCLUSTER_SOCKET_DIR)"
    fi
    create_database "$socket_dir" "$port"
    url_for "$socket_dir" "$port"
    return
  fi
  port=$(resolve_port "$dir" "${2:-}")
  check_port "$port"
  socket_dir=$dir
  if [[ -n "${PGCLUSTER_SOCKET_DIR:-}" ]]; then
    socket_dir=$(abs_dir "$PGCLUSTER_SOCKET_DIR")
  fi
  # A unix socket path is limited to 107 bytes.
  local socket="$socket_dir/.s.PGSQL.$port"
  ((${#socket} <= 107)) ||
    die "socket path $socket is too long (max 107 bytes): use a shorter DIR or PGCLUSTER_SOCKET_DIR"

  prepare_dir "$dir"
  if [[ "$socket_dir" != "$dir" ]]; then
    prepare_socket_dir "$socket_dir"
  fi
  init_cluster "$dir"

  local listen="''"
  if [[ "${PGCLUSTER_TCP:-0}" == 1 ]]; then
    listen=127.0.0.1
  fi
  local opts="-k $socket_dir -p $port -c listen_addresses=$listen"
  if [[ "${PGCLUSTER_FAST:-0}" == 1 ]]; then
    opts+=" -c fsync=off"
  fi
  if is_root; then
    touch "$dir/log" && chown "$DB_USER" "$dir/log"
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o "$opts" start >/dev/null; then
    tail -n 20 "$dir/log" >&2 || true
    die "the server did not start (log: $dir/log)"
  fi
  printf '%s\n' "$port" >"$dir/port"
  printf '%s\n' "$socket_dir" >"$dir/socket_dir"

  local i
  for ((i = 0; i < 100; i++)); do
    if "$PGBIN/pg_isready" -q -h "$socket_dir" -p "$port" -U "$DB_USER"; then
      break
    fi
    sleep 0.1
  done
  "$PGBIN/pg_isready" -q -h "$socket_dir" -p "$port" -U "$DB_USER" ||
    die "the server does not accept connections (log: $dir/log)"

  create_database "$socket_dir" "$port"
  url_for "$socket_dir" "$port"
}

cmd_stop() {
  local dir
  dir=$(abs_dir "$1")
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    note "no cluster in $dir: nothing to stop"
    return
  fi
  if ! running "$dir"; then
    note "not running: $dir"
    return
  fi
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
    die "could not stop the server (log: $dir/log)"
}

cmd_status() {
  local dir
  dir=$(abs_dir "$1")
  if running "$dir"; then
    printf 'running: %s port %s\n' "$dir" "$(resolve_port "$dir")"
    return 0
  fi
  if [[ -f "$dir/data/PG_VERSION" ]]; then
    printf 'stopped: %s\n' "$dir"
  else
    printf 'absent: %s\n' "$dir"
  fi
  return 3
}

cmd_url() {
  local dir port
  dir=$(abs_dir "$1")
  port=$(resolve_port "$dir" "${2:-}")
  url_for "$(resolve_socket_dir "$dir")" "$port"
}

main() {
  (($# >= 2)) || usage
  local cmd=$1
  shift
  PGBIN=$(find_pgbin)
  [[ -x "$PGBIN/pg_ctl" ]] || die "PostgreSQL server programs not found in $PGBIN (install postgresql-15 or set PGBIN)"
  case "$cmd" in
    start)
      (($# <= 2)) || usage
      cmd_start "$@"
      ;;
    stop)
      (($# == 1)) || usage
      cmd_stop "$1"
      ;;
    status)
      (($# == 1)) || usage
      cmd_status "$1"
      ;;
    url)
      (($# <= 2)) || usage
      cmd_url "$@"
      ;;
    *) usage ;;
  esac
}

main "$@"
