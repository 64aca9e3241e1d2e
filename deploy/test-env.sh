#!/usr/bin/env bash
# Installs what the tests need and starts the test servers: a throwaway PostgreSQL 15 and s3rver.
#   source <(deploy/test-env.sh start)   exports ORLEANSMEDIA_TEST_* for a shell session
#   deploy/test-env.sh stop
# State lives in .test-env/ at the repository root (ignored by git).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
envdir="${ORLEANSMEDIA_TEST_ENV_DIR:-$root/.test-env}"
cmd=${1:-start}

install_tools() {
  local need=()
  command -v bsdtar >/dev/null || need+=(libarchive-tools)
  command -v 7zz >/dev/null || need+=(7zip)
  command -v zip >/dev/null || need+=(zip)
  command -v unzip >/dev/null || need+=(unzip)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
  command -v node >/dev/null || need+=(nodejs npm)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
  command -v chromium >/dev/null || need+=(chromium)
  [ -e /usr/lib/x86_64-linux-gnu/libarchive.so.13 ] || ldconfig -p | grep -q libarchive.so.13 || need+=(libarchive13)
  # Media data plane: ffmpeg/ffprobe and LibreOffice headless run as child processes; ImageMagick is the benchmark's reference.
  command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
  command -v soffice >/dev/null || need+=(libreoffice-core)
  dpkg -s libreoffice-writer >/dev/null 2>&1 || need+=(libreoffice-writer)
  dpkg -s libreoffice-calc >/dev/null 2>&1 || need+=(libreoffice-calc)
  dpkg -s libreoffice-impress >/dev/null 2>&1 || need+=(libreoffice-impress)
  [ -x /usr/bin/convert ] || need+=(imagemagick)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if [ ! -x "$root/deploy/test-servers/node_modules/.bin/s3rver" ]; then
    (cd "$root/deploy/test-servers" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# A throwaway RabbitMQ broker (notification tests): its own node name, ports, data and logs under $envdir/rabbitmq.
start_rabbitmq() {
  amqpport=$(free_port); local distport; distport=$(free_port)
  rm -rf "$envdir/rabbitmq"; mkdir -p "$envdir/rabbitmq"
  RABBITMQ_NODENAME="omtest$amqpport@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$amqpport \
    RABBITMQ_DIST_PORT=$distport RABBITMQ_MNESIA_BASE="$envdir/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$envdir/rabbitmq/log" \
    RABBITMQ_PID_FILE="$envdir/rabbitmq/beam.pid" RABBITMQ_ENABLED_PLUGINS_FILE="$envdir/rabbitmq/enabled_plugins" \
    RABBITMQ_CONFIG_FILE="$envdir/rabbitmq/none" RABBITMQ_ADVANCED_CONFIG_FILE="$envdir/rabbitmq/none.config" \
    nohup /usr/lib/rabbitmq/bin/rabbitmq-server >"$envdir/rabbitmq.log" 2>&1 &
  echo $! >"$envdir/rabbitmq.pid"
  for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$amqpport) 2>/dev/null && break; sleep 0.1; done
}

case "$cmd" in
  start)
    install_tools
    mkdir -p "$envdir"
    "$0" stop >/dev/null 2>&1 || true
    pg=$("$root/deploy/postgres.sh" start "$envdir/pg" "" ${ORLEANSMEDIA_BENCH_DURABLE:+--durable})
    s3port=$(free_port); rm -rf "$envdir/s3"; mkdir -p "$envdir/s3"
    # --openssl-legacy-provider: without it s3rver answers 500 to truncated listings on Node 20.
    NODE_OPTIONS=--openssl-legacy-provider nohup "$root/deploy/test-servers/node_modules/.bin/s3rver" \
      -d "$envdir/s3" -a 127.0.0.1 -p "$s3port" --silent --configure-bucket test-bucket >"$envdir/s3rver.log" 2>&1 &
    echo $! >"$envdir/s3rver.pid"
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$s3port) 2>/dev/null && break; sleep 0.1; done
    start_rabbitmq
    cat >"$envdir/env" <<VARS
export ORLEANSMEDIA_TEST_PG='$pg'
export ORLEANSMEDIA_TEST_S3='http://127.0.0.1:$s3port'
export ORLEANSMEDIA_TEST_NODE_MODULES='$root/deploy/test-servers/node_modules'
export ORLEANSMEDIA_TEST_FIXTURES='$root/tests/data'
export ORLEANSMEDIA_TEST_AMQP='amqp://guest:guest@127.0.0.1:$amqpport/'
VARS
    cat "$envdir/env"
    ;;
  stop)
    [ -f "$envdir/s3rver.pid" ] && kill "$(cat "$envdir/s3rver.pid")" 2>/dev/null || true
    rm -f "$envdir/s3rver.pid"
    [ -f "$envdir/rabbitmq.pid" ] && kill "$(cat "$envdir/rabbitmq.pid")" 2>/dev/null || true
    rm -f "$envdir/rabbitmq.pid"
    [ -d "$envdir/pg" ] && "$root/deploy/postgres.sh" stop "$envdir/pg" || true
    rm -rf "$envdir/pg"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
