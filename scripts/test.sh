#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, builds, starts a throwaway
# PostgreSQL cluster, runs every test with ctest, then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/) and runs every test there too; stops the cluster on exit.
# Last, it fuzzes the snapshot reader for 30 s (scripts/fuzz.sh; PGTOTE_FUZZ_SECONDS changes it).
# PGTOTE_SKIP_SANITIZERS=1 skips the sanitizer pass and the fuzzing (quicker local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/pg_cluster.sh

install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
pg_cluster_start
echo "PostgreSQL $(psql -tAc 'SHOW server_version') on $PGHOST port $PGPORT"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"

if [ "${PGTOTE_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "again under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGTOTE_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$(nproc)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j"$(nproc)" "$@"
  bash scripts/fuzz.sh "${PGTOTE_FUZZ_SECONDS:-30}"
fi
