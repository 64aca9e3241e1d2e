#!/usr/bin/env bash
# The one command that runs the whole test suite on a fresh machine:
# installs the tools, starts PostgreSQL and s3rver, runs every test project, stops the servers.
#   deploy/test.sh [extra dotnet test arguments, e.g. --filter ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
trap '"$root/deploy/test-env.sh" stop >/dev/null 2>&1 || true' EXIT
source <("$root/deploy/test-env.sh" start)
dotnet build Orleans.Media.sln -c Debug -nologo -clp:ErrorsOnly
set +e
dotnet test Orleans.Media.sln --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$root/.test-env/test.log"
status=${PIPESTATUS[0]}
set -e
# CI keeps only the tail of the output: repeat each failed test's name and the start of its message there.
awk '/^ +Failed [^ ]/ { n = 12; print "FAILED:" substr($0, index($0, "Failed") + 6); next }
     /^ +Stack Trace:/ { n = 0 } n > 0 && !/^ +Error Message:/ { print "  " $0; n-- }' "$root/.test-env/test.log"
# One summary line over all test projects that CI can read: "N passed, N failed, N skipped".
awk '/^ +Passed: +[0-9]+$/ { p += $2 } /^ +Failed: +[0-9]+$/ { f += $2 } /^ +Skipped: +[0-9]+$/ { s += $2 }
     /^Test Run Aborted/ { a++ }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; if (a) printf "aborted test runs: %d\n", a }' "$root/.test-env/test.log"
exit "$status"
