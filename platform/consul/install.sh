#!/usr/bin/env bash
# Builds Consul from its Go module at the pinned version into $PLATFORM_BIN/consul (idempotent).
COMPONENT=consul
. "$(dirname "$0")/../lib/common.sh"

target="$PLATFORM_BIN/consul"
installed_version() { [ -x "$target" ] && "$target" version 2>/dev/null | sed -n '1s/^Consul v\([0-9.]*\)$/\1/p' || true; }
# The release go.mod points its sub-modules at sibling folders that a module zip does not carry;
# use the versions it requires from the proxy instead (the committed go.sum has their hashes).
prepare_module() {
  for sub in api sdk proto-public envoyextensions troubleshoot; do
    go mod edit -dropreplace "$GO_CONSUL_MODULE/$sub" 2>/dev/null || true
  done
}
install_go_binary "$target" "$GO_CONSUL_MODULE" "$CONSUL_VERSION" -trimpath -ldflags "-s -w -X $GO_CONSUL_MODULE/version.GitCommit=v$CONSUL_VERSION" .
