#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (Debian's zstd, tar, pigz, bgzip, chromium,
# npm dependencies with the native zstd-napi build, code-server in .vscode-test/), then lints,
# builds, and runs every layer in one node:test run: unit, interop, server protocol, real VS Code.
# `scripts/test.sh unit interop` runs only the layers named (unit, interop, server, e2e).
set -euo pipefail
layers=("${@:-unit interop server e2e}")
layers=(${layers[*]})
cd "$(dirname "$0")/.."
export npm_config_yes=true

bash scripts/tools.sh
bash scripts/deps.sh
[[ " ${layers[*]} " == *" e2e "* ]] && bash scripts/setup-e2e.sh

echo "test: lint and types"
npm run --silent lint
echo "test: build"
npm run --silent build >/dev/null
rm -rf out && npx tsc -p .

rm -rf test-results && mkdir -p test-results/e2e
echo "test: running ${layers[*]}"
files=()
for layer in "${layers[@]}"; do
  # The extension-host suite (e2e/suite) runs inside VS Code, started by e2e/hostSuite.test.js.
  while IFS= read -r f; do files+=("$f"); done < <(find "out/test/$layer" -name '*.test.js' -not -path '*/suite/*' | sort)
done
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
