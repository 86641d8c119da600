#!/usr/bin/env bash
# Makes a fresh checkout runnable with nothing installed by hand beyond Node.js, Go and a JDK:
# the pinned Node.js when the machine's is older (lib/node.sh), node modules, the compiled
# TypeScript, then every pinned platform component (platform/install.sh).
# Everything it downloads or builds is cached under .platform/, so a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/common.sh
. platform/lib/common.sh
# shellcheck source=lib/node.sh
. platform/lib/node.sh
ensure_node
echo "[bootstrap] node $(node --version)" >&2
export npm_config_cache="$PLATFORM_CACHE/npm"
export npm_config_update_notifier=false
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "[bootstrap] tsc -b" >&2
npx --no-install tsc -b
bash platform/install.sh
