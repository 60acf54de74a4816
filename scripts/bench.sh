#!/usr/bin/env bash
# Benchmarks pgtote against its peers on the same data in the same run (machines are shared and
# noisy: only ratios mean something). Uses the shared Prisma-style benchmark database.
#   scripts/bench.sh [--scale N] [--runs N] [--bench-dir DIR]
# Prints medians of N runs and the ratios; exits non-zero if a run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=100000
runs=3
bench_dir=../shared/bench
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bench-dir) bench_dir=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$bench_dir/appdb-schema.sql" ] || { echo "no benchmark schema in $bench_dir" >&2; exit 1; }

source scripts/lib/deps.sh
source scripts/lib/pg_cluster.sh
install_deps time bc
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
pgtote=${PGTOTE_BIN:-$PWD/build/pgtote}
work=$(mktemp -d /tmp/pgtote-bench.XXXXXX)
PG_CLUSTER_OPTIONS="-c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=30min -c autovacuum=off"
pg_cluster_start
trap 'pg_cluster_stop; rm -rf "$work"' EXIT

echo "loading the benchmark database at scale=$scale..."
createdb appdb
psql -q -v ON_ERROR_STOP=1 -d appdb -f "$bench_dir/appdb-schema.sql"
psql -q -v ON_ERROR_STOP=1 -v scale="$scale" -d appdb -f "$bench_dir/appdb-data.sql" >/dev/null
psql -q -d appdb -c "VACUUM ANALYZE"
echo "rows: $(psql -tAd appdb -c "SELECT sum(n_live_tup) FROM pg_stat_user_tables")"

# run NAME COMMAND...: runs once, appends "seconds max_rss_kb" to $work/NAME.
run() {
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$work/last" "$@" >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
  cat "$work/last" >>"$work/$name"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
seconds() { cut -d' ' -f1 <"$work/$1" | median; }
rss_mb() { cut -d' ' -f2 <"$work/$1" | sort -n | tail -1 | awk '{printf "%.1f", $1/1024}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }

echo "export: $runs runs each, alternating"
for i in $(seq "$runs"); do
  rm -f "$work/dump.sql" "$work/snap.json"
  run pg_dump pg_dump --data-only -d appdb -f "$work/dump.sql"
  run export "$pgtote" export --source dbname=appdb -o "$work/snap.json" -q
done
printf '%-34s %8s %8s\n' "" "seconds" "max RSS"
printf '%-34s %8s %7sM\n' "pg_dump --data-only" "$(seconds pg_dump)" "$(rss_mb pg_dump)"
printf '%-34s %8s %7sM\n' "pgtote export" "$(seconds export)" "$(rss_mb export)"
echo "export / pg_dump: $(ratio "$(seconds export)" "$(seconds pg_dump)")x (target <= 1.25x, RSS <= 64 MB)"
echo "snapshot $(du -m "$work/snap.json" | cut -f1) MB, dump $(du -m "$work/dump.sql" | cut -f1) MB"
