#!/usr/bin/env bash
# Builds Filebeat from its Go module at the pinned version into $PLATFORM_BIN/filebeat (idempotent).
#
# Why 7.12.1: the search store is OpenSearch 2.x, which answers Beats as Elasticsearch 7.10.2 when
# compatibility.override_main_response_version is set. From 7.13.0 on, every Beat (the Apache-2.0
# build made here from ./filebeat included) registers a connect callback that calls GET /_license
# and refuses any store without it ("could not connect to a compatible version of Elasticsearch"),
# and 8.x/9.x add stricter version checks. 7.12.1, the last release before that check, connects,
# builds with the current Go (go.mod says go 1.15) and needs no patch. Its filestream input is
# experimental (no `parsers:` yet, and a registry that does not survive a restart), so the config
# (filebeat.yml) uses the log input and decodes the JSON lines with a processor.
COMPONENT=filebeat
. "$(dirname "$0")/../lib/common.sh"

target="$PLATFORM_BIN/filebeat"
installed_version() { [ -x "$target" ] && "$target" version 2>/dev/null | sed -n 's/^filebeat version \([0-9.]*\) .*/\1/p' || true; }
if [ "$(installed_version)" = "$FILEBEAT_VERSION" ]; then
  log "filebeat $FILEBEAT_VERSION already installed"
  exit 0
fi
need_cmd go

work="$(go_module_source "$GO_BEATS_MODULE" "$FILEBEAT_VERSION" filebeat)"
cd "$work"
# No `go mod download` of the whole graph: the build fetches only the modules Filebeat imports,
# a fraction of what the Beats repository (every beat, x-pack) requires.
log "building filebeat (about two minutes on a fresh cache)"
go_build_pinned "$target.tmp" -trimpath -ldflags "-s -w" ./filebeat
mv "$target.tmp" "$target"
cd / && rm -rf "$work"
[ "$(installed_version)" = "$FILEBEAT_VERSION" ] || die "built binary reports '$(installed_version)'"
log "installed filebeat $(installed_version)"
