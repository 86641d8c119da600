#!/usr/bin/env bash
# Turns a bare Debian 12 machine into a platform node image: the toolchains, then the repository at
# /opt/platform made ready by the very bootstrap the local platform runs (npm ci, tsc -b, and
# platform/install.sh for Consul, HAProxy, PostgreSQL, Kafka, OpenSearch and Filebeat), then the
# systemd unit that runs `platform node` with the role cloud-init writes at first boot.
# Usage: provision-node.sh <source tarball made by packer/build.sh>
set -euo pipefail
tarball="$1"
target=/opt/platform
log() { printf '[provision] %s\n' "$*" >&2; }

log "unpacking the platform into $target"
rm -rf "$target" && mkdir -p "$target"
tar -xzf "$tarball" -C "$target"
bash "$target/packer/scripts/install-toolchain.sh"

log "bootstrap (same script as a developer's first command)"
( cd "$target" && PLATFORM_HOME="$target/.platform" PLATFORM_NODE_IMAGE=1 bash platform/bootstrap.sh )
# Build caches are not needed on a node; the binaries under .platform/bin are.
rm -rf "$target/.platform/cache/go" "$target/.platform/cache/npm"

# Each service's instances run as its own OS user; the running unit cannot add users (/etc is
# read-only there), so they are made now, for every service in the image.
PLATFORM_HOME="$target/.platform" "$target/cli/bin/platform" accounts
install -d -m 0755 /etc/platform
install -d -m 0700 /etc/platform/secrets /var/lib/platform
install -m 0644 "$target/packer/files/platform-node.service" /etc/systemd/system/platform-node.service
install -m 0755 "$target/packer/files/platform-first-boot" /usr/local/sbin/platform-first-boot
ln -sf "$target/cli/bin/platform" /usr/local/bin/platform
systemctl daemon-reload
# Enabled, but it starts only once first boot has written /etc/platform/node.env.
systemctl enable platform-node.service
log "image ready: platform $(cat "$target/.platform-version")"
