#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, and runs ctest: the
# normal build (unit, HTTP on a throwaway PostgreSQL, OpenAPI lint and
# response checks, loader score), the container image (label `container`:
# scripts/container-test.sh), the same suite under AddressSanitizer
# and UndefinedBehaviorSanitizer, and the libFuzzer targets for a bounded
# time. Each ctest run starts and stops its own cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)

scripts/install-deps.sh

echo "== build and test (gcc, -Wall -Wextra -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -LE container

echo "== container image (podman: docker/Dockerfile built, run against PostgreSQL, SIGTERM)"
ctest --test-dir build --output-on-failure -L container

echo "== AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
cmake -S . -B build-asan -G Ninja -DCMAKE_C_COMPILER=clang -DPARLEY_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure

echo "== libFuzzer targets (bounded)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DPARLEY_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$jobs"
ctest --test-dir build-fuzz --output-on-failure -L fuzz

