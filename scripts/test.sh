#!/usr/bin/env bash
# `npm test`: install what the tests need, build, run every test with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
npm run --silent build
exec node scripts/run-tests.js "$@"
