# Starts throwaway PostgreSQL clusters for tests, the demo and benchmarks; source it, then call
# pg_cluster_start [BINDIR]. The server refuses to run as root, so it runs as the unprivileged
# `postgres` user. Without BINDIR it is Debian's server; with one (scripts/lib/pg_versions.sh), that
# server's install folder is copied into the cluster's folder, where the `postgres` user can read it.
# After pg_cluster_start: PGHOST (socket dir), PGPORT, PGUSER are exported for the cluster just
# started, and PG_CLUSTER_DIR names its folder. Every cluster started is stopped and removed on exit
# (the trap), even when the script fails; pg_cluster_stop DIR stops one earlier.

PG_CLUSTER_DIRS=()

pg_cluster_bindir() {
  local dir
  dir=$(pg_config --bindir 2>/dev/null)
  if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  echo "pg_cluster: initdb not found; install the postgresql package" >&2
  return 1
}

pg_cluster_free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

pg_cluster_as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Stops the cluster in DIR and removes its folder; without DIR, every cluster started here.
pg_cluster_stop() {
  local dir
  if [ $# -eq 0 ]; then
    for dir in "${PG_CLUSTER_DIRS[@]}"; do pg_cluster_stop "$dir"; done
    return 0
  fi
  dir=$1
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    pg_cluster_as_server_user "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
  return 0
}

pg_cluster_start() {
  local bin=${1:-}
  [ -n "$bin" ] || bin=$(pg_cluster_bindir) || return 1
  PG_CLUSTER_DIR=$(mktemp -d /tmp/pgtote-cluster.XXXXXX)
  PG_CLUSTER_DIRS+=("$PG_CLUSTER_DIR")
  [ -n "$(trap -p EXIT)" ] || trap pg_cluster_stop EXIT  # a caller's own trap calls pg_cluster_stop
  if [ -n "${1:-}" ]; then
    # A fetched server: its own copy (hard links when the cache shares the file system).
    cp -al "$bin/.." "$PG_CLUSTER_DIR/install" 2>/dev/null || cp -a "$bin/.." "$PG_CLUSTER_DIR/install" || return 1
    bin="$PG_CLUSTER_DIR/install/bin"
  fi
  PG_CLUSTER_BIN=$bin
  echo "$bin" >"$PG_CLUSTER_DIR/bindir"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_CLUSTER_DIR"
  local port; port=$(pg_cluster_free_port)
  pg_cluster_as_server_user "$bin/initdb" -D "$PG_CLUSTER_DIR/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$PG_CLUSTER_DIR/initdb.log" >&2; return 1; }
  # The superuser connects without a password; every other role must give one, so tests can
  # check that a password is used and never shown.
  # Loopback TCP too, so tests can reach the server under another host name (hostaddr).
  printf '%s\n' 'local all postgres trust' 'local all all scram-sha-256' \
    'host all postgres 127.0.0.1/32 trust' 'host all all 127.0.0.1/32 scram-sha-256' >"$PG_CLUSTER_DIR/data/pg_hba.conf"
  # password_encryption: PostgreSQL 12 and 13 store md5 by default, and the tests log in with SCRAM.
  pg_cluster_as_server_user "$bin/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/server.log" -w \
    -o "-p $port -k $PG_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c password_encryption=scram-sha-256 ${PG_CLUSTER_OPTIONS:-}" \
    start >/dev/null || { cat "$PG_CLUSTER_DIR/server.log" >&2; return 1; }
  export PGHOST="$PG_CLUSTER_DIR" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
  unset PGPASSWORD DATABASE_URL
}
