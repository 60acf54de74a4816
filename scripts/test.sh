#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, builds, starts a throwaway
# PostgreSQL cluster, runs every test with ctest, and stops the cluster on exit.
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
