#!/usr/bin/env bash
# The first five minutes: builds pgtote, starts a throwaway PostgreSQL, creates a "dev" and a
# lagging "prod" database from examples/, exports dev, previews the import into prod with
# --dry-run, imports, shows the statistics, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/pg_cluster.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "install what is missing and build"
install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
pgtote=$PWD/build/pgtote

step "start a throwaway PostgreSQL cluster"
pg_cluster_start
echo "PostgreSQL $(psql -tAc 'SHOW server_version') on $PGHOST port $PGPORT"

step "create dev (full) and prod (behind: fewer rows, edited rows, a prod-only user)"
for db in dev prod; do
  createdb "$db"
  psql -q -v ON_ERROR_STOP=1 -d "$db" -f examples/app-schema.sql
done
psql -q -v ON_ERROR_STOP=1 -d dev -f examples/dev-data.sql
psql -q -v ON_ERROR_STOP=1 -d prod -f examples/prod-data.sql

step "the tables in dependency order"
show "$pgtote" order --source dbname=dev

step "export dev"
snapshot=exports/demo-dev.json
show "$pgtote" export --source dbname=dev -o "$snapshot"
show "$pgtote" inspect "$snapshot"

step "preview the import into prod: nothing is written"
show "$pgtote" import "$snapshot" --target dbname=prod --dry-run --show-diff 3 --skip-audit

step "import into prod"
show "$pgtote" import "$snapshot" --target dbname=prod --skip-audit
echo
show psql -d prod -c 'SELECT id, email, "fullName" FROM "User" ORDER BY id'

step "a second import finds nothing to do"
show "$pgtote" import "$snapshot" --target dbname=prod --skip-audit
echo
echo "done; the cluster stops now"
