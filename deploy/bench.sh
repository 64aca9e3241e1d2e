#!/usr/bin/env bash
# Runs one benchmark scenario in Release and prints BENCH <scenario> <metric> <value> <unit> lines.
#   deploy/bench.sh runtime|archives|front|tasks|media [args]
#   deploy/bench.sh tasks [api] [e2e] [bsdtar] [recovery]   (parts of the tasks scenario; none named = all)
# Starts its own PostgreSQL with durability on (fsync) and s3rver, and stops them after.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scenario=${1:?usage: deploy/bench.sh <scenario>}; shift || true
work=${ORLEANSMEDIA_BENCH_DIR:-$root/deploy/.bench/$scenario}
mkdir -p "$work"
ORLEANSMEDIA_BENCH_DURABLE=1 ORLEANSMEDIA_TEST_ENV_DIR="$root/deploy/.bench/env-$scenario" "$root/deploy/test-env.sh" start >"$work/env.sh"
trap 'ORLEANSMEDIA_TEST_ENV_DIR="$root/deploy/.bench/env-$scenario" "$root/deploy/test-env.sh" stop >/dev/null 2>&1 || true' EXIT
source "$work/env.sh"
dotnet build "$root/bench/Orleans.Media.Bench" -c Release -nologo -clp:ErrorsOnly >&2
ORLEANSMEDIA_BENCH_DIR="$work" dotnet "$root/bench/Orleans.Media.Bench/bin/Release/net10.0/Orleans.Media.Bench.dll" "$scenario" "$@"
