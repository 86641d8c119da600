#!/usr/bin/env bash
# Makes a fresh checkout runnable with nothing installed by hand beyond Node.js, Go and a JDK:
# node modules, the compiled TypeScript, then every pinned platform component (platform/install.sh).
# Everything it downloads or builds is cached under .platform/, so a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_cache="$PWD/.platform/cache/npm"
export npm_config_update_notifier=false
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "[bootstrap] tsc -b" >&2
npx --no-install tsc -b
bash platform/install.sh
