#!/usr/bin/env bash
# Installs Prometheus (with promtool) and Alertmanager from Debian's packages at the pinned series
# (idempotent). The packages' own system services stay stopped: the platform runs its own.
COMPONENT=monitoring
. "$(dirname "$0")/../lib/common.sh"

apt_install "prometheus=$PROMETHEUS_VERSION" "prometheus-alertmanager=$ALERTMANAGER_VERSION"
check_version() {
  local binary="$1" pinned="$2" have
  have="$("$binary" --version 2>&1 | sed -n '1s/^[a-z]*, version \([0-9.]*\).*/\1/p')"
  case "$have" in
    ${pinned%\*}*) log "$binary $have installed" ;;
    *) die "expected $binary $pinned, found '${have:-none}'" ;;
  esac
}
check_version prometheus "$PROMETHEUS_VERSION"
check_version promtool "$PROMETHEUS_VERSION"
check_version prometheus-alertmanager "$ALERTMANAGER_VERSION"
