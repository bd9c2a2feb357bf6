#!/bin/sh
# The image's entrypoint: reads secrets from files (PGPASSWORD_FILE,
# DATABASE_URL_FILE, DATABASE_READ_URL_FILE into the variable without
# _FILE, the convention of the postgres image), then runs its command as
# PID 1: parleyd by default (or when given only options), or `parley ...`.
set -eu

for name in PGPASSWORD DATABASE_URL DATABASE_READ_URL; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  eval "given=\${${name}:-}"
  if [ -n "$given" ]; then
    echo "parley-entrypoint: both $name and ${name}_FILE are set: set one" >&2
    exit 64
  fi
  if [ ! -r "$file" ]; then
    echo "parley-entrypoint: ${name}_FILE: cannot read $file" >&2
    exit 66
  fi
  # $(...) drops the trailing newline a secret file usually ends with.
  value=$(cat "$file")
  export "$name=$value"
  unset "${name}_FILE"
done

case "${1:-}" in
  "" | -*) set -- parleyd "$@" ;;
esac
exec "$@"
