#!/usr/bin/env bash
# Installs PostgreSQL's server and client from Debian's packages at the pinned major version
# (idempotent). The platform runs its own servers under the state folder, as the postgres user,
# so the package must not create or start a system cluster on port 5432.
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
