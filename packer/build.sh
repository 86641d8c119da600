#!/usr/bin/env bash
# Builds the node image: a tarball of this commit (tracked files only, nothing built or cached),
# then `packer build` of packer/node.pkr.hcl, which provisions it with packer/scripts/.
# Usage: packer/build.sh [-var region=eu-west-1 ...]   (packer and AWS credentials on the PATH)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/.platform/image"
mkdir -p "$out"
version="$(git -C "$repo" describe --always --dirty)"
git -C "$repo" archive --format=tar --prefix=./ HEAD >"$out/platform-src.tar"
printf '%s\n' "$version" >"$out/.platform-version"
tar -rf "$out/platform-src.tar" -C "$out" ./.platform-version
gzip -f "$out/platform-src.tar"
cd "$repo/packer"
packer init node.pkr.hcl
packer build -var "source_tarball=$out/platform-src.tar.gz" -var "platform_version=$version" "$@" node.pkr.hcl
