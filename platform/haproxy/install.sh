#!/usr/bin/env bash
# Installs HAProxy from Debian's package at the pinned series (idempotent).
COMPONENT=haproxy
. "$(dirname "$0")/../lib/common.sh"

apt_install "haproxy=$HAPROXY_VERSION"
series="${HAPROXY_VERSION%%.\*}"
have="$(haproxy -v 2>/dev/null | sed -n '1s/^HAProxy version \([0-9.]*\).*/\1/p')"
case "$have" in
  "$series".*) log "haproxy $have installed" ;;
  *) die "expected HAProxy $series.x, found '${have:-none}'" ;;
esac
