# Starts a throwaway PostgreSQL cluster for tests, the demo and benchmarks; source it, then call
# pg_cluster_start. The server refuses to run as root, so it runs as the unprivileged `postgres` user.
# After pg_cluster_start: PGHOST (socket dir), PGPORT, PGUSER are exported; the trap stops it on exit.

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

pg_cluster_stop() {
  if [ -n "${PG_CLUSTER_DIR:-}" ] && [ -d "$PG_CLUSTER_DIR" ]; then
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    else
      "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_CLUSTER_DIR"
  fi
}

pg_cluster_start() {
  PG_CLUSTER_BIN=$(pg_cluster_bindir) || return 1
  PG_CLUSTER_DIR=$(mktemp -d /tmp/pgtote-cluster.XXXXXX)
  trap pg_cluster_stop EXIT
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_CLUSTER_DIR"
    run=(runuser -u postgres --)
  fi
  local port; port=$(pg_cluster_free_port)
  "${run[@]}" "$PG_CLUSTER_BIN/initdb" -D "$PG_CLUSTER_DIR/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$PG_CLUSTER_DIR/initdb.log" >&2; return 1; }
  # The superuser connects without a password; every other role must give one, so tests can
  # check that a password is used and never shown.
  # Loopback TCP too, so tests can reach the server under another host name (hostaddr).
  printf '%s\n' 'local all postgres trust' 'local all all scram-sha-256' \
    'host all postgres 127.0.0.1/32 trust' 'host all all 127.0.0.1/32 scram-sha-256' >"$PG_CLUSTER_DIR/data/pg_hba.conf"
  "${run[@]}" "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/server.log" -w \
    -o "-p $port -k $PG_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_CLUSTER_OPTIONS:-}" \
    start >/dev/null || { cat "$PG_CLUSTER_DIR/server.log" >&2; return 1; }
  export PGHOST="$PG_CLUSTER_DIR" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
  unset PGPASSWORD DATABASE_URL
}
