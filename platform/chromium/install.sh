#!/usr/bin/env bash
# Installs Debian's Chromium at the pinned major version (idempotent). The platform never runs it:
# the test suite drives it headless (puppeteer-core, no browser download) to load the Swagger UI
# page and the Consul UI as a user would.
COMPONENT=chromium
. "$(dirname "$0")/../lib/common.sh"

apt_install "chromium=$CHROMIUM_VERSION"
# The wrapper prints "Chromium 156.0.… built on Debian …".
have="$(chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9.]*\).*/\1/p')"
case "$have" in
  ${CHROMIUM_VERSION%\*}*) log "chromium $have installed" ;;
  *) die "expected chromium $CHROMIUM_VERSION, found '${have:-none}'" ;;
esac
