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
# ./filebeat alone: the build fetches only the modules Filebeat imports, a fraction of what the
# Beats repository (every beat, x-pack) requires.
install_go_binary "$target" "$GO_BEATS_MODULE" "$FILEBEAT_VERSION" -trimpath -ldflags "-s -w" ./filebeat
