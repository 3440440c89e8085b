#!/usr/bin/env bash
# The suite N times in a row (default 5) with the other core kept busy, as on a shared CI machine: a test
# that passes only on an idle machine fails here. Needs stress-ng (Debian: apt-get install stress-ng); a
# busy loop in Node stands in where it is missing. Stops at the first failing run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
# One command per line: under `set -e` a failure inside an && list does not stop the script, and the runs
# would test a stale build.
npm run typecheck
npm run lint
npm run build
if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu 1 --timeout 0 --quiet &
else
  node -e 'for (;;) {}' &
fi
load=$!
trap 'kill "$load" 2>/dev/null || true' EXIT
for run in $(seq 1 "$runs"); do
  echo "stress-tests: run $run of $runs, other core busy (pid $load)"
  npx vitest run </dev/null
done
echo "stress-tests: $runs runs passed"
