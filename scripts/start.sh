#!/usr/bin/env bash
# `npm start [-- flags]`: the desktop app where Electron can run (a desktop session, and Electron's binary
# present or downloadable), otherwise the headless service, which prints the console's address.
# PBX_HEADLESS=1 always runs the headless service. Flags are the engine's (README, "Settings").
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules ]]; then npm ci --no-audit --no-fund; fi
npm run --silent build

# better-sqlite3 is a native module built for one ABI: the system Node's or Electron's. Whichever runs
# next gets a rebuild when the other one built it last.
sqlite_check="new (require('better-sqlite3'))(':memory:').close()"

headless() {
  echo "OfficePBX: $1; running the headless service." >&2
  if ! node -e "$sqlite_check" 2>/dev/null; then
    echo "OfficePBX: rebuilding better-sqlite3 for Node $(node --version)" >&2
    npm rebuild better-sqlite3 >&2
  fi
  exec node dist/engine/cli.js ${args[@]+"${args[@]}"}
}

args=("$@")
if [[ "${PBX_HEADLESS:-}" == 1 ]]; then headless "PBX_HEADLESS=1"; fi
case "$(uname -s)" in
  Linux | *BSD)
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then headless "no desktop session (DISPLAY is not set)"; fi
    ;;
esac

electron_bin() {
  [[ -f node_modules/electron/path.txt ]] || return 1
  local bin
  bin="node_modules/electron/dist/$(cat node_modules/electron/path.txt)"
  [[ -x "$bin" ]] || return 1
  echo "$bin"
}

# Electron fetches its binary on first use; do it here so a failure falls back instead of failing.
if ! bin=$(electron_bin); then
  echo "OfficePBX: fetching Electron's binary (once)…" >&2
  if ! node node_modules/electron/install.js >&2 || ! bin=$(electron_bin); then
    headless "no Electron binary on this machine (and it could not be downloaded)"
  fi
fi
if ! ELECTRON_RUN_AS_NODE=1 "$bin" -e "$sqlite_check" 2>/dev/null; then
  echo "OfficePBX: rebuilding better-sqlite3 for Electron" >&2
  if ! npx --no-install electron-builder install-app-deps >&2; then
    headless "better-sqlite3 could not be rebuilt for Electron"
  fi
fi
exec "$bin" . ${args[@]+"${args[@]}"}
