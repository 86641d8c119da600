#!/usr/bin/env bash
# Installs every pinned platform component that is missing; quick when all are present.
# Each component has its own installer under platform/<component>/install.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for component in consul haproxy kafka postgres opensearch filebeat jaeger monitoring; do
  bash "$here/$component/install.sh"
done
# Tools of the test suite, not of the platform (tofu: `fmt -check` of terraform/; chromium: the
# browser tests); a node image skips them.
if [ "${PLATFORM_NODE_IMAGE:-}" != 1 ]; then
  bash "$here/tofu/install.sh"
  bash "$here/chromium/install.sh"
fi
