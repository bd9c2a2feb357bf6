#!/usr/bin/env bash
# Installs what Parley needs to build, run and test on Debian 12, as root.
# Quick when everything is there already: apt runs only for missing packages.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  postgresql-15 postgresql-client-15 libpq-dev
  libmicrohttpd-dev libjansson-dev libcmocka-dev libutf8proc-dev
  libpcre2-dev libicu-dev libssl-dev
  python3 python3-yaml curl ca-certificates cppcheck clang-tidy
  podman buildah runc debootstrap pgbouncer
  chromium
)
# Node.js for the OpenAPI lint and response checks: Debian's, unless a node
# (e.g. a newer one from elsewhere) is already installed.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
