#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: the real SIP peers and tools from Debian's
# packages, then the npm packages. Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the console's end-to-end tests (Playwright drives Debian's browser; nothing is downloaded).
# tftp-hpa, atftp, curl: real TFTP clients (with and without RFC 2347 options) and HTTP digest for provisioning;
# iproute2: the network namespaces of the multicast plug-and-play test.
debs=(sip-tester baresip-core sox rtpengine-daemon chromium fonts-dejavu-core tftp-hpa atftp curl iproute2)
if [[ "${PBX_BENCH_DEPS:-}" == 1 ]]; then debs+=(kamailio); fi
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "install-test-deps: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages: (re)install when node_modules is missing or older than the lock file.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install-test-deps: npm ci"
  npm ci --no-audit --no-fund
fi
