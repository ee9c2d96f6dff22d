#!/usr/bin/env bash
# `npm test`: everything the suite needs, from a fresh clone on a fresh machine.
#   1. npm packages when node_modules is missing or older than the lockfile (npm install, which
#      follows the lockfile; npm ci refuses it because chdb's other-platform optional packages
#      have no lockfile entries)
#   2. type check and lint (zero warnings)
#   3. the local stack: Debian packages, Kafka jars, ZooKeeper, ClickHouse 2x2, Kafka x3 (idempotent)
#   4. unit and integration tests with node's test runner, one file at a time (2 cores, one shared stack)
# The stack is left running for the next run; stop it with `npm run stack:down`.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n[test] %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
started=$(date +%s)

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  npm install --no-audit --no-fund
fi

step "type check"
npx tsc --noEmit

step "lint"
npx eslint --max-warnings=0 .

step "local stack"
node bin/cairn.js stack up

step "tests"
node --import tsx --test --test-concurrency=1 test/unit/*.test.ts test/integration/*.test.ts

printf '\n[test] done in %ss\n' "$(( $(date +%s) - started ))"
