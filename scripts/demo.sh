#!/usr/bin/env bash
# `npm run demo`: the whole pipeline on this machine, on a copy of examples/loan-service.
# Installs the Debian packages behind the real services when root, then runs scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-services.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
exec npx tsx scripts/demo.ts "$@"
