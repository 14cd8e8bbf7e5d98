#!/usr/bin/env bash
# The README's test command: every test, unit to e2e. Tests start the real services they
# need (MariaDB, dockerd, registry, Prometheus, the kube simulator) themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx vitest run "$@"
