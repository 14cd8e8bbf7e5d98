#!/usr/bin/env bash
# The README's test command: every test, unit to e2e. Tests start the real services they
# need (MariaDB, dockerd, registry, Prometheus, the Kubernetes control plane) themselves.
# The control plane's binaries are built first (once; cached outside the repo), with
# progress on screen, so no test waits on a cold Go build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/support/cluster/build.sh >/dev/null
exec npx vitest run "$@"
