#!/usr/bin/env bash
# Shared by every platform/<component>/install.sh: where the cache lives and small helpers.
# Everything the platform installs or keeps at run time lives under $PLATFORM_HOME (git-ignored).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PLATFORM_HOME="${PLATFORM_HOME:-$REPO_ROOT/.platform}"
PLATFORM_BIN="$PLATFORM_HOME/bin"
PLATFORM_CACHE="$PLATFORM_HOME/cache"
mkdir -p "$PLATFORM_BIN" "$PLATFORM_CACHE"

# shellcheck source=../versions.env
. "$REPO_ROOT/platform/versions.env"

# Go builds keep their module and build caches inside the platform cache so a second run is fast
# and nothing lands in the user's home.
export GOMODCACHE="$PLATFORM_CACHE/go/mod"
export GOCACHE="$PLATFORM_CACHE/go/build"
export GOFLAGS="-buildvcs=false -modcacherw"
export CGO_ENABLED=0

log() { printf '[install:%s] %s\n' "${COMPONENT:-platform}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

need_cmd() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not installed"; }

# apt_install PKG=VERSION...: installs exact Debian package versions once; `apt-get update` first
# because a fresh machine has no package lists.
apt_install() {
  local missing=()
  local spec name ver have
  for spec in "$@"; do
    name="${spec%%=*}"; ver="${spec#*=}"
    have="$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)"
    [ "$have" = "$ver" ] || missing+=("$spec")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
