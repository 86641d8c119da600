#!/usr/bin/env bash
# Builds OpenTofu's CLI from its Go module at the pinned version into $PLATFORM_BIN/tofu
# (idempotent). The platform never runs it: the test suite does, for `tofu fmt -check` on
# terraform/ (the same formatter as `terraform fmt`), and an operator may apply terraform/ with it.
COMPONENT=tofu
. "$(dirname "$0")/../lib/common.sh"

target="$PLATFORM_BIN/tofu"
installed_version() { [ -x "$target" ] && "$target" version 2>/dev/null | sed -n 's/^OpenTofu v\([0-9.]*\)$/\1/p' || true; }
install_go_binary "$target" "$GO_TOFU_MODULE" "$TOFU_VERSION" -trimpath -ldflags "-s -w -X $GO_TOFU_MODULE/version.dev=no" ./cmd/tofu
