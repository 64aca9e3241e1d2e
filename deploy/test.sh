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
dotnet test Orleans.Media.sln --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$root/.test-env/test.log"
status=${PIPESTATUS[0]}
# One summary line that CI can read: "N passed, N failed, N skipped".
awk '/^(Passed|Failed|Skipped)! +- /{ for(i=1;i<=NF;i++){ if($i=="Failed:"){f+=$(i+1)} if($i=="Passed:"){p+=$(i+1)} if($i=="Skipped:"){s+=$(i+1)} } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$root/.test-env/test.log"
exit "$status"
