#!/usr/bin/env bash
# `npm start`: the desktop app where an Electron binary is installed, otherwise the headless service.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules ]]; then npm ci --no-audit --no-fund; fi
npm run --silent build
electron_bin=""
if [[ -f node_modules/electron/path.txt ]]; then
  electron_bin="node_modules/electron/dist/$(cat node_modules/electron/path.txt)"
fi
if [[ -n "$electron_bin" && -x "$electron_bin" ]]; then
  exec "$electron_bin" .
fi
echo "OfficePBX: no Electron binary on this machine; running the headless service." >&2
exec node dist/engine/cli.js "$@"
