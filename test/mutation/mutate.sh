#!/usr/bin/env bash
# npm run mutate [-- stryker options]: Stryker on the scoped modules (stryker.config.mjs).
# StrykerJS 10 needs Node >= 22; the machines run Node 20, so it runs on Node 24, the Lambda runtime,
# from the npm registry's `node` package (as .ci/run does), with its directory first on PATH so the
# workers Stryker forks run Node 24 too.
set -euo pipefail
cd "$(dirname "$0")/../.."
node_bin=node
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  node_bin="$(npx -y -p node@24 -- node -p 'process.execPath')"
fi
export PATH="$(dirname "$(command -v "$node_bin")"):$PATH"
"$node_bin" node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
# Static mutants Stryker could only switch on after their module loaded (docs/testing.md).
mutate=()
for ((i = 1; i < $#; i++)); do
  if [ "${!i}" = --mutate ]; then j=$((i + 1)); mutate=(--mutate "${!j}"); fi
done
"$node_bin" test/mutation/static-mutants.mjs test/mutation/stryker-incremental.json "${mutate[@]}"
