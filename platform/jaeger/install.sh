#!/usr/bin/env bash
# Builds Jaeger v2 from its Go module at the pinned version into $PLATFORM_BIN/jaeger (idempotent).
#
# The module github.com/jaegertracing/jaeger is tagged v1.x for Go's sake; its cmd/jaeger is the
# v2 binary (an OpenTelemetry Collector distribution: OTLP receivers, the jaeger_storage and
# jaeger_query extensions, OpenSearch among its storage backends, the UI embedded).
COMPONENT=jaeger
. "$(dirname "$0")/../lib/common.sh"

target="$PLATFORM_BIN/jaeger"
# The module zip carries no built UI (cmd/query/app/ui/actual is filled by the release build from
# the jaeger-ui repository), so the binary serves Jaeger's placeholder page at / and the full
# query API under /api; `platform trace` reads that API.
installed_version() { [ -x "$target" ] && "$target" version 2>/dev/null | sed -n 's/.*"gitVersion": *"v\([0-9.]*\)".*/\1/p' || true; }
install_go_binary "$target" "$GO_JAEGER_MODULE" "$JAEGER_MODULE_VERSION" -trimpath \
  -ldflags "-s -w -X $GO_JAEGER_MODULE/internal/version.latestVersion=v$JAEGER_MODULE_VERSION" ./cmd/jaeger
