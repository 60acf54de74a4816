#!/usr/bin/env bash
# Benchmarks pgtote against its peers on the same data in the same run (machines are shared and
# noisy: only ratios mean something). Uses the shared Prisma-style benchmark database.
#   scripts/bench.sh [--scale N] [--runs N] [--small-scale N] [--bench-dir DIR] [--export-only]
#                    [--memory-scale N] [--huge] [--import-only] [--remap-only]
# --import-only: skip the export timings (one pg_dump is still made) and the small-scale runs:
#   only the first import, against the replay and against itself with --no-defer-keys.
# --remap-only: only the match rules' cost (issue 12), at the small scale: the small snapshot
#   imported with a match rule on every table (a unique business key where the schema has one,
#   else `new`) against the plain import of it, each into a fresh empty schema (first import), then
#   again into the same target (second import, which must write nothing); alternating, N runs.
# --memory-scale N: also import at scale N to show memory does not grow with size (the shared
#   generator overflows an integer above scale ~135000; the small-scale import's RSS is printed too).
# --huge: also build a snapshot over 4 GiB (the benchmark snapshot's rows repeated under new
#   keys) and import it (long: tens of minutes, and ~10 GB of disk).
# Export: pgtote export vs pg_dump --data-only (median of N runs, peak RSS); then a subset and an
# anonymized export (pgtote.yml) vs the plain export.
# Import: into an empty schema with keys and FKs vs psql replaying that dump in one transaction;
# a second import of the same snapshot (nothing changes) vs the same replay; and, at the small
# scale with 5% of rows changed or missing in the target, vs one autocommitted
# INSERT ... ON CONFLICT DO UPDATE per row (what hand-written import scripts run). The dry run
# (which rehearses the writes and rolls back) is timed against the import it predicts. Then the
# match rules' cost at the small scale (as --remap-only).
# Prints the ratios; exits non-zero if a run fails or a result differs from the source.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=100000
small_scale=10000
runs=3
export_only=false
import_only=false
remap_only=false
memory_scale=""
huge=false
bench_dir=../shared/bench
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bench-dir) bench_dir=$2; shift 2 ;;
    --small-scale) small_scale=$2; shift 2 ;;
    --export-only) export_only=true; shift ;;
    --import-only) import_only=true; shift ;;
    --remap-only) remap_only=true; shift ;;
    --memory-scale) memory_scale=$2; shift 2 ;;
    --huge) huge=true; shift ;;
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

# load DB SCALE: the benchmark schema and data.
load() {
  createdb "$1"
  psql -q -v ON_ERROR_STOP=1 -d "$1" -f "$bench_dir/appdb-schema.sql"
  psql -q -v ON_ERROR_STOP=1 -v scale="$2" -d "$1" -f "$bench_dir/appdb-data.sql" >/dev/null
  psql -q -d "$1" -c "VACUUM ANALYZE"
}
# digest DB: one line per table, rows and a hash of their text, to compare databases (pgtote's id
# mapping, kept in the target by match rules, left out).
digest() {
  local t
  for t in $(psql -tAd "$1" -c "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables WHERE schemaname <> 'pgtote' ORDER BY 1"); do
    echo "$t $(psql -tAd "$1" -c "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text COLLATE \"C\")), '') FROM $t x")"
  done
}

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

# The match rules' cost: DB SNAPSHOT, the database the snapshot was exported from (for the check
# that the first import brought it over whole; in an empty schema every row keeps its id).
remap_bench() {
  local source=$1 snapshot=$2 i order kind
  cat >"$work/match.yml" <<'YML'
match:
  public.Permission: [code]
  public.Organization: [slug]
  public.User: [email]
  public._PermissionToUser: [A, B]
  public.Department: [organizationId, name]
  public.Filiere: new
  public.OrganizationInvite: [token]
  public.DemandePartage: new
  public.DocumentPartage: new
  public.BlockchainBlock: [hash]
  public.Abonnement: new
  public.Transaction: new
  public.Payment: new
  public.ContactMessage: new
  public.Configuration: [key]
  public.SiteSetting: [locale]
  public.AuditLog: new
  public._prisma_migrations: new
YML
  echo
  echo "match rules at scale=$small_scale: every table keyed or new, against the plain import of the same"
  echo "snapshot; each into a fresh empty schema, then again into it (nothing changes); $runs runs, alternating"
  for i in $(seq "$runs"); do
    order="plain remap"
    [ $((i % 2)) = 0 ] && order="remap plain"
    for kind in $order; do
      [ "$i" = 1 ] || dropdb "${kind}_target"
      createdb -T empty_schema "${kind}_target"
    done
    for kind in $order; do
      if [ "$kind" = remap ]; then
        run remap_first "$pgtote" import "$snapshot" --target dbname=remap_target -q --config "$work/match.yml"
      else
        run plain_first "$pgtote" import "$snapshot" --target dbname=plain_target -q
      fi
    done
    for kind in $order; do
      if [ "$kind" = remap ]; then
        run remap_second "$pgtote" import "$snapshot" --target dbname=remap_target -q --config "$work/match.yml" \
          --report "$work/remap_second.json"
      else
        run plain_second "$pgtote" import "$snapshot" --target dbname=plain_target -q --report "$work/plain_second.json"
      fi
    done
    for kind in plain remap; do
      python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))["totals"]; sys.exit(t["inserted"] + t["updated"] > 0)' \
        "$work/${kind}_second.json" || { echo "the second $kind import wrote rows" >&2; exit 1; }
    done
  done
  [ "$(digest "$source")" = "$(digest plain_target)" ] || { echo "plain_target differs from the source" >&2; exit 1; }
  [ "$(digest "$source")" = "$(digest remap_target)" ] || { echo "remap_target differs from the source" >&2; exit 1; }
  echo "id mapping entries: $(psql -tAd remap_target -c 'SELECT count(*) FROM pgtote.match_map')"
  printf '%-34s %8s %7sM\n' "plain import (empty target)" "$(seconds plain_first)" "$(rss_mb plain_first)"
  printf '%-34s %8s %7sM\n' "with match rules (empty target)" "$(seconds remap_first)" "$(rss_mb remap_first)"
  printf '%-34s %8s %7sM\n' "plain import again (no change)" "$(seconds plain_second)" "$(rss_mb plain_second)"
  printf '%-34s %8s %7sM\n' "with match rules again" "$(seconds remap_second)" "$(rss_mb remap_second)"
  echo "runs (s), plain / match rules: first $(tr '\n' ' ' <"$work/plain_first" | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')/ $(tr '\n' ' ' <"$work/remap_first" | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')"
  echo "                             second $(tr '\n' ' ' <"$work/plain_second" | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')/ $(tr '\n' ' ' <"$work/remap_second" | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')"
  echo "match rules / plain, first import:  $(ratio "$(seconds remap_first)" "$(seconds plain_first)")x (target <= 2x)"
  echo "match rules / plain, second import: $(ratio "$(seconds remap_second)" "$(seconds plain_second)")x (target <= 2x)"
}

if $remap_only; then
  echo "loading the benchmark database at scale=$small_scale..."
  load small "$small_scale"
  createdb empty_schema
  psql -q -v ON_ERROR_STOP=1 -d empty_schema -f "$bench_dir/appdb-schema.sql"
  "$pgtote" export --source dbname=small -o "$work/small.json" -q --include-migration-tables
  remap_bench small "$work/small.json"
  exit 0
fi
echo "loading the benchmark database at scale=$scale..."
load appdb "$scale"
echo "rows: $(psql -tAd appdb -c "SELECT sum(n_live_tup) FROM pg_stat_user_tables")"
createdb empty_schema
psql -q -v ON_ERROR_STOP=1 -d empty_schema -f "$bench_dir/appdb-schema.sql"

if $import_only; then
  pg_dump --data-only -d appdb -f "$work/dump.sql"
fi
echo "export: $runs runs each, alternating"
$import_only || for i in $(seq "$runs"); do
  rm -f "$work/dump.sql" "$work/snap.json"
  run pg_dump pg_dump --data-only -d appdb -f "$work/dump.sql"
  run export "$pgtote" export --source dbname=appdb -o "$work/snap.json" -q
  rm -f "$work/snap.json"
  run export_j1 "$pgtote" export --source dbname=appdb -o "$work/snap.json" -q -j 1
  rm -f "$work/snap.json.zst"
  run export_zst "$pgtote" export --source dbname=appdb -o "$work/snap.json.zst" -q
done
$import_only || {
printf '%-34s %8s %8s\n' "" "seconds" "max RSS"
printf '%-34s %8s %7sM\n' "pg_dump --data-only" "$(seconds pg_dump)" "$(rss_mb pg_dump)"
printf '%-34s %8s %7sM\n' "pgtote export (default: -j 2)" "$(seconds export)" "$(rss_mb export)"
printf '%-34s %8s %7sM\n' "pgtote export -j 1" "$(seconds export_j1)" "$(rss_mb export_j1)"
printf '%-34s %8s %7sM\n' "pgtote export -o snap.json.zst" "$(seconds export_zst)" "$(rss_mb export_zst)"
echo "export / pg_dump: $(ratio "$(seconds export)" "$(seconds pg_dump)")x (target <= 1.25x, RSS <= 64 MB)"
echo "export -j 1 / pg_dump: $(ratio "$(seconds export_j1)" "$(seconds pg_dump)")x; -j 2 / -j 1: $(ratio "$(seconds export)" "$(seconds export_j1)")x"
echo "zstd export / plain export: $(ratio "$(seconds export_zst)" "$(seconds export)")x time"
echo "snapshot $(du -m "$work/snap.json" | cut -f1) MB, zstd $(du -m "$work/snap.json.zst" | cut -f1) MB, dump $(du -m "$work/dump.sql" | cut -f1) MB"

echo
echo "staging exports (pgtote.yml): a subset from 1% of \"User\" with children followed, and a full"
echo "export with anonymization rules on five columns; $runs runs each, against the default export"
cat >"$work/subset.yml" <<'YML'
subset:
  start:
    - table: public.User
      where: "abs(hashtext(id)) % 100 = 0"
  parents:
    "public.BlockchainBlock(previousId)": null_outside
YML
cat >"$work/anonymize.yml" <<'YML'
anonymize:
  salt: bench-salt
  rules:
    public.User.id: hash
    public.User.email: email
    public.User.fullName: name
    public.ContactMessage.subject: phone
    public.Payment.metadata: { json: { "$.card.last4": { value: "0000" } } }
YML
for i in $(seq "$runs"); do
  rm -f "$work/staging.json"
  run subset "$pgtote" export --source dbname=appdb --config "$work/subset.yml" -o "$work/staging.json" -q
  rm -f "$work/staging.json"
  run subset_j1 "$pgtote" export --source dbname=appdb --config "$work/subset.yml" -o "$work/staging.json" -q -j 1
  rm -f "$work/staging.json"
  run anonymized "$pgtote" export --source dbname=appdb --config "$work/anonymize.yml" -o "$work/staging.json" -q
  rm -f "$work/snap.json"
  run export_again "$pgtote" export --source dbname=appdb -o "$work/snap.json" -q
done
printf '%-34s %8s %7sM\n' "pgtote export (default)" "$(seconds export_again)" "$(rss_mb export_again)"
printf '%-34s %8s %7sM\n' "subset, 1% of User" "$(seconds subset)" "$(rss_mb subset)"
printf '%-34s %8s %7sM\n' "subset, 1% of User, -j 1" "$(seconds subset_j1)" "$(rss_mb subset_j1)"
printf '%-34s %8s %7sM\n' "anonymized, five columns" "$(seconds anonymized)" "$(rss_mb anonymized)"
echo "subset / export: $(ratio "$(seconds subset)" "$(seconds export_again)")x (target <= 0.25x, RSS <= 64 MB)"
echo "subset -j 1 / export -j 1: $(ratio "$(seconds subset_j1)" "$(seconds export_j1)")x"
echo "anonymized / export: $(ratio "$(seconds anonymized)" "$(seconds export_again)")x (target <= 1.5x, RSS <= 64 MB)"
}

$export_only && exit 0

echo
echo "import at scale=$scale: into an empty schema with keys and foreign keys, one run each"
"$pgtote" export --source dbname=appdb -o "$work/all.json" -q --include-migration-tables
createdb -T empty_schema replay_target
createdb -T empty_schema import_target
createdb -T empty_schema kept_keys_target
run replay psql -q -1 -v ON_ERROR_STOP=1 -d replay_target -f "$work/dump.sql"
run import "$pgtote" import "$work/all.json" --target dbname=import_target -q
run import_kept_keys "$pgtote" import "$work/all.json" --target dbname=kept_keys_target -q --no-defer-keys
run reimport "$pgtote" import "$work/all.json" --target dbname=import_target -q
run redry "$pgtote" import "$work/all.json" --target dbname=import_target -q --dry-run
[ "$(digest appdb)" = "$(digest import_target)" ] || { echo "import_target differs from the source" >&2; exit 1; }
printf '%-34s %8s %7sM\n' "psql -1 replay of the dump" "$(seconds replay)" "$(rss_mb replay)"
printf '%-34s %8s %7sM\n' "pgtote import (empty target)" "$(seconds import)" "$(rss_mb import)"
printf '%-34s %8s %7sM\n' "same, --no-defer-keys" "$(seconds import_kept_keys)" "$(rss_mb import_kept_keys)"
printf '%-34s %8s %7sM\n' "pgtote import again (no change)" "$(seconds reimport)" "$(rss_mb reimport)"
printf '%-34s %8s %7sM\n' "pgtote --dry-run (no change)" "$(seconds redry)" "$(rss_mb redry)"
echo "import / replay:        $(ratio "$(seconds import)" "$(seconds replay)")x (target <= 0.4x, RSS <= 128 MB)"
echo "--no-defer-keys / replay: $(ratio "$(seconds import_kept_keys)" "$(seconds replay)")x"
echo "second import / replay: $(ratio "$(seconds reimport)" "$(seconds replay)")x (target <= 0.5x, RSS <= 256 MB)"
$import_only && exit 0

echo
echo "scale=$small_scale, target with 5% of rows changed or missing: per-row upserts vs pgtote"
load small "$small_scale"
createdb -T small drifted
psql -q -d drifted -c "UPDATE \"AuditLog\" SET action = 'changed' WHERE id % 20 = 0;
  UPDATE \"Payment\" SET status = 'FAILED' WHERE abs(hashtext(id)) % 10 = 0;
  DELETE FROM \"AuditLog\" WHERE id % 50 = 1"
psql -q -d drifted -c "VACUUM ANALYZE"
createdb -T drifted per_row_target
createdb -T drifted pgtote_target
# One INSERT ... ON CONFLICT (key) DO UPDATE per row, tables parents first (pgtote order). The
# statements are generated by SQL (psql -tA prints them unescaped; COPY would escape them).
for table in $("$pgtote" order --source dbname=small --include-migration-tables 2>/dev/null | cut -d' ' -f1); do
  schema=${table%%.*} name=${table#*.}
  psql -tA -d small -v ON_ERROR_STOP=1 -v s="$schema" -v t="$name" >"$work/gen.sql" <<'SQL'
SELECT format('SELECT %L || %s || %L FROM %s x;',
  format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE VALUES (', c.oid::regclass, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)),
  string_agg(format('quote_nullable(x.%I::text)', a.attname), ' || '', '' || ' ORDER BY a.attnum),
  CASE WHEN pk.cols IS NULL THEN ') ON CONFLICT DO NOTHING;'
       ELSE format(') ON CONFLICT (%s) DO UPDATE SET %s;', pk.cols,
              string_agg(format('%I = EXCLUDED.%I', a.attname, a.attname), ', ' ORDER BY a.attnum)
                FILTER (WHERE NOT a.attname = ANY (pk.names))) END,
  c.oid::regclass)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
LEFT JOIN LATERAL (SELECT string_agg(quote_ident(k.attname), ', ') AS cols, array_agg(k.attname) AS names
                   FROM pg_index i JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY (i.indkey)
                   WHERE i.indrelid = c.oid AND i.indisprimary) pk ON true
WHERE n.nspname = :'s' AND c.relname = :'t'
GROUP BY c.oid, pk.cols, pk.names
SQL
  psql -qtA -d small -v ON_ERROR_STOP=1 -f "$work/gen.sql" >>"$work/upserts.sql"
done
echo "per-row statements: $(wc -l <"$work/upserts.sql")"
"$pgtote" export --source dbname=small -o "$work/small.json" -q --include-migration-tables
run per_row psql -q -v ON_ERROR_STOP=1 -d per_row_target -f "$work/upserts.sql"
run small_dry "$pgtote" import "$work/small.json" --target dbname=pgtote_target -q --dry-run
run small_import "$pgtote" import "$work/small.json" --target dbname=pgtote_target -q
[ "$(digest small)" = "$(digest pgtote_target)" ] || { echo "pgtote_target differs from the source" >&2; exit 1; }
[ "$(digest small)" = "$(digest per_row_target)" ] || { echo "per_row_target differs from the source" >&2; exit 1; }
printf '%-34s %8s\n' "per-row upserts (autocommit)" "$(seconds per_row)"
printf '%-34s %8s %7sM\n' "pgtote import" "$(seconds small_import)" "$(rss_mb small_import)"
printf '%-34s %8s %7sM\n' "pgtote --dry-run (rehearsed writes)" "$(seconds small_dry)" "$(rss_mb small_dry)"
echo "per-row / pgtote: $(ratio "$(seconds per_row)" "$(seconds small_import)")x faster (target >= 20x)"
echo "dry run / import: $(ratio "$(seconds small_dry)" "$(seconds small_import)")x (the rehearsal writes, then rolls back)"
remap_bench small "$work/small.json"

if [ -n "$memory_scale" ]; then
  echo
  echo "import memory at scale=$memory_scale (compare with the RSS at scale=$scale above)"
  load big "$memory_scale"
  createdb -T empty_schema big_target
  "$pgtote" export --source dbname=big -o "$work/big.json.zst" -q --include-migration-tables
  run big_import "$pgtote" import "$work/big.json.zst" --target dbname=big_target -q
  printf '%-34s %8s %7sM\n' "pgtote import, scale=$memory_scale" "$(seconds big_import)" "$(rss_mb big_import)"
  printf '%-34s %8s %7sM\n' "pgtote import, scale=$scale" "$(seconds import)" "$(rss_mb import)"
fi

if $huge; then
  echo
  echo "a snapshot over 4 GiB: AuditLog rows repeated under new ids until the file passes 4.2 GB"
  createdb -T empty_schema huge_source
  psql -q -d huge_source -c "INSERT INTO \"AuditLog\" (id, action, entity, \"entityId\", diff, ip, \"createdAt\")
    SELECT i, 'huge', 'Entity', 'e' || i, jsonb_build_object('n', i, 'pad', repeat('x', 200)), '10.0.0.1',
           timestamptz '2024-01-01' + i * interval '1 second'
    FROM generate_series(1, 16000000) i"
  "$pgtote" export --source dbname=huge_source -o "$work/huge.json" -q
  echo "snapshot: $(du -m "$work/huge.json" | cut -f1) MB"
  createdb -T empty_schema huge_target
  run huge_import "$pgtote" import "$work/huge.json" --target dbname=huge_target -q
  printf '%-34s %8s %7sM\n' "pgtote import of it" "$(seconds huge_import)" "$(rss_mb huge_import)"
  [ "$(psql -tAd huge_target -c 'SELECT count(*) FROM "AuditLog"')" = 16000000 ] || { echo "huge import lost rows" >&2; exit 1; }
fi
