#!/usr/bin/env bash
# Installs PostgreSQL's server and client from Debian's packages at the pinned major version
# (idempotent). The platform runs its own servers under the state folder, as the postgres user,
# so the package must not create or start a system cluster on port 5432. Patroni (Debian's, with
# its Consul client) runs each server.
COMPONENT=postgres
. "$(dirname "$0")/../lib/common.sh"

major="${POSTGRES_VERSION%%.*}"
bindir="/usr/lib/postgresql/$major/bin"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

installed_version() { [ -x "$bindir/postgres" ] && "$bindir/postgres" --version 2>/dev/null | sed -n 's/^postgres (PostgreSQL) \([0-9.]*\).*/\1/p' || true; }

# The package creates a "main" cluster unless told not to; postgresql-common reads this drop-in
# (its createcluster.conf includes createcluster.d/). A drop-in of our own, written before the
# package arrives, leaves the package's own config file alone.
dropin=/etc/postgresql-common/createcluster.d/platform.conf
if ! grep -qs '^create_main_cluster = false$' "$dropin"; then
  $sudo mkdir -p "$(dirname "$dropin")"
  echo 'create_main_cluster = false' | $sudo tee "$dropin" >/dev/null
fi

apt_install "postgresql-$major=$POSTGRES_VERSION" "postgresql-client-$major=$POSTGRES_VERSION"
# Patroni with its Consul client; policy-rc.d (apt_install) keeps its system unit from starting.
apt_install "patroni=$PATRONI_VERSION" "python3-consul=$PYTHON_CONSUL_VERSION"

# A machine where the package was installed earlier may still have a system cluster running on
# 5432; stop it (its data stays) so it cannot be confused with the platform's servers.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r ver name port status _; do
    case "$status" in
      online*)
        log "stopping the system cluster $ver/$name on port $port (the platform runs its own)"
        $sudo pg_ctlcluster "$ver" "$name" stop || log "warning: could not stop $ver/$name"
        ;;
    esac
  done
fi

id postgres >/dev/null 2>&1 || die "the package did not create the postgres OS user"
have="$(installed_version)"
case "$have" in
  "$major".*) log "postgresql $have installed ($bindir)" ;;
  *) die "expected PostgreSQL $major.x in $bindir, found '${have:-none}'" ;;
esac
patroni_have="$(patroni --version 2>/dev/null | sed -n 's/^patroni \([0-9.]*\)$/\1/p' || true)"
[ "$patroni_have" = "${PATRONI_VERSION%%-*}" ] || die "expected Patroni ${PATRONI_VERSION%%-*}, found '${patroni_have:-none}'"
# Debian's interpreter: Patroni runs on it, whatever python3 comes first in PATH.
/usr/bin/python3 -c 'import consul' 2>/dev/null || die "Patroni's Consul client (python3-consul) is missing"
log "patroni $patroni_have installed"
