#!/usr/bin/env bash
# `npm run bench`: OfficePBX against the rig's Kamailio under the same sipp loads (see README, Benchmarks).
# Installs what it needs (sipp, Kamailio, npm modules), builds, and runs dist/bench/sip-bench.js, then the
# console's call-log paging over 100,000 records (dist/bench/console-api.js), then the
# media relay load probe (built-in relay and rtpengine under the same G.711 load, dist/bench/relay-load.js),
# and SIP OPTIONS response times with the engine's relay idle and at 1,000 calls (bench/sip-under-media.ts).
# Figures go to stdout, one `name: value unit` per line; progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
PBX_BENCH_DEPS=1 bash scripts/install-test-deps.sh >&2
npm run --silent build >&2
node dist/bench/sip-bench.js "$@"
node dist/bench/console-api.js
exec node dist/bench/relay-load.js --calls 100,300,1000 --seconds 10 --relay both --sip-probe 100
