#!/usr/bin/env bash
# Throwaway PostgreSQL 15 (Debian's) for tests and benchmarks.
#   deploy/postgres.sh start DIR [PORT] [--durable]   prints the connection string
#   deploy/postgres.sh stop DIR
# initdb refuses root, so the server runs as the postgres user; the socket stays in DIR.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?start|stop}; dir=${2:?directory}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
case "$cmd" in
  start)
    port=${3:-}; [ -n "$port" ] || port=$(free_port); durable=${4:-}
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1
    fi
    opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB"
    # Tests trade durability for speed; benchmarks pass --durable and keep fsync on.
    [ "$durable" = "--durable" ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    # ORLEANSMEDIA_PG_OPTS: extra server settings for profiling (e.g. -c shared_preload_libraries=pg_stat_statements).
    opts="$opts ${ORLEANSMEDIA_PG_OPTS:-}"
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$opts" start >/dev/null
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT] [--durable]" >&2; exit 2 ;;
esac
