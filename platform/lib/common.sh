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

# apt_install PKG=VERSION...: installs Debian packages once; VERSION may be a glob such as 2.6.*
# (the upstream series is pinned; Debian's security revisions within it are taken as they come).
# `apt-get update` first because a fresh machine has no package lists.
apt_install() {
  local missing=()
  local spec name ver have
  for spec in "$@"; do
    name="${spec%%=*}"; ver="${spec#*=}"
    have="$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)"
    # shellcheck disable=SC2053 # $ver is a glob on purpose
    [[ -n "$have" && "$have" == $ver ]] || missing+=("$spec")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  # policy-rc.d answering 101 keeps packages from starting their system services: the platform
  # runs its own instances on its own ports.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$added_policy" ] || $sudo rm -f "$policy"
}

# go_module_source MODULE VERSION NAME: downloads MODULE@vVERSION through the Go module proxy and
# prints the path of a writable copy of its source in the cache (the module cache is read-only).
go_module_source() {
  local module="$1" version="$2" name="$3" moddir work
  log "downloading $module@v$version (go module proxy)"
  moddir="$(go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$moddir" ] || die "module download gave no directory"
  work="$PLATFORM_CACHE/$name-src-$version"
  rm -rf "$work"
  cp -r "$moddir" "$work"
  chmod -R u+w "$work"
  printf '%s\n' "$work"
}

# go_build_pinned OUT [go build args...]: builds the module in the current directory into OUT with
# exactly the modules that the committed platform/$COMPONENT/go.sum lists. -mod=readonly makes Go
# refuse any module (or hash) that file does not hold, and a go.mod that would need changing, so a
# build is reproducible and a changed upstream fails it. After a version bump,
# PLATFORM_GO_SUM_UPDATE=1 builds with -mod=mod and writes what was resolved back there for review.
go_build_pinned() {
  local out="$1" pinned="$REPO_ROOT/platform/$COMPONENT/go.sum"
  shift
  if [ "${PLATFORM_GO_SUM_UPDATE:-}" = 1 ]; then
    go build -mod=mod -o "$out" "$@"
    cp go.sum "$pinned"
    log "wrote ${pinned#"$REPO_ROOT"/}: review its diff and commit it"
    return
  fi
  [ -f "$pinned" ] || die "${pinned#"$REPO_ROOT"/} is missing (PLATFORM_GO_SUM_UPDATE=1 writes it)"
  cp "$pinned" go.sum
  go build -mod=readonly -o "$out" "$@" \
    || die "go build failed (above); 'missing go.sum entry', 'checksum mismatch' or 'updates to go.mod needed' mean it resolved other modules than ${pinned#"$REPO_ROOT"/} pins (after a version bump: PLATFORM_GO_SUM_UPDATE=1, then review the diff)"
}

# install_go_binary TARGET MODULE VERSION [go build args...]: builds MODULE at VERSION (its source
# from the Go module proxy, its dependencies pinned by go_build_pinned) into TARGET, unless the
# caller's installed_version already prints VERSION. A prepare_module function, when the caller
# defines one, runs first in the copy of the module's source.
install_go_binary() {
  local target="$1" module="$2" version="$3" work
  shift 3
  if [ "$(installed_version)" = "$version" ]; then
    log "$COMPONENT $version already installed"
    return 0
  fi
  need_cmd go
  work="$(go_module_source "$module" "$version" "$COMPONENT")"
  (
    cd "$work"
    if declare -F prepare_module >/dev/null; then prepare_module; fi
    log "building $COMPONENT $version (minutes on a fresh cache)"
    go_build_pinned "$target.tmp" "$@"
  )
  mv "$target.tmp" "$target"
  rm -rf "$work"
  [ "$(installed_version)" = "$version" ] || die "built binary reports '$(installed_version)', expected $version"
  log "installed $COMPONENT $version"
}
