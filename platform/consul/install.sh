#!/usr/bin/env bash
# Builds Consul from its Go module at the pinned version into $PLATFORM_BIN/consul (idempotent).
COMPONENT=consul
. "$(dirname "$0")/../lib/common.sh"

target="$PLATFORM_BIN/consul"
installed_version() { [ -x "$target" ] && "$target" version 2>/dev/null | sed -n '1p' || true; }
if [ "$(installed_version)" = "Consul v$CONSUL_VERSION" ]; then
  log "consul $CONSUL_VERSION already installed"
  exit 0
fi
need_cmd go

work="$(go_module_source "$GO_CONSUL_MODULE" "$CONSUL_VERSION" consul)"
cd "$work"
# The release go.mod points its sub-modules at sibling folders that a module zip does not carry;
# use the versions it requires from the proxy instead.
for sub in api sdk proto-public envoyextensions troubleshoot; do
  go mod edit -dropreplace "$GO_CONSUL_MODULE/$sub" 2>/dev/null || true
done
log "building consul (takes a few minutes on a fresh cache)"
# Dropping the replaces adds the sub-modules' hashes to go.sum: the committed go.sum has them.
go_build_pinned "$target.tmp" -trimpath -ldflags "-s -w -X $GO_CONSUL_MODULE/version.GitCommit=v$CONSUL_VERSION" .
mv "$target.tmp" "$target"
cd / && rm -rf "$work"
[ "$(installed_version)" = "Consul v$CONSUL_VERSION" ] || die "built binary reports '$(installed_version)'"
log "installed $(installed_version)"
