#!/usr/bin/env bash
# Static analysis with zero findings allowed: cppcheck, and clang-tidy with
# the checked-in .clang-tidy, over every C source of the project.
# Usage: scripts/lint.sh BUILD_DIR (a build configured by CMake, which writes
# the compile_commands.json that clang-tidy reads).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: scripts/lint.sh BUILD_DIR}
cd "$top"

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
  --enable=warning,performance,portability -I include \
  -D_POSIX_C_SOURCE=200809L src

echo "== clang-tidy"
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$tidy" -p "$build" -quiet "$top/src/" >"$log" 2>&1 || true
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/.*: (warning|error): ' | sort -u || true)
if [ -n "$findings" ]; then
  echo "$findings"
  echo "clang-tidy: $(echo "$findings" | wc -l) finding(s)"
  exit 1
fi
echo "clang-tidy: no findings"
