#!/usr/bin/env bash
# The main job: build the extension and open it in a real VS Code (code-server, in the browser)
# on a sample workspace. Prints the address; opens Chromium there when a display is available.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export npm_config_yes=true
bash scripts/deps.sh
bash scripts/setup-e2e.sh
npm run --silent build
ws="$root/.vscode-test/sample-workspace"
node scripts/sample-workspace.mjs "$ws"

port="${PORT:-8080}"
state="$root/.vscode-test/start"
mkdir -p "$state/ud/User" "$state/exts"
[ -f "$state/ud/User/settings.json" ] || echo '{"workbench.startupEditor":"none","telemetry.telemetryLevel":"off"}' > "$state/ud/User/settings.json"
payload=$(node -e "console.log(encodeURIComponent(JSON.stringify([['extensionDevelopmentPath','vscode-remote://127.0.0.1:$port$root']])))")
url="http://127.0.0.1:$port/?folder=$(node -e "console.log(encodeURIComponent(process.argv[1]))" "$ws")&payload=$payload"

echo
echo "Chunkpress is loaded in VS Code at:"
echo "  $url"
echo "(Ctrl-C stops it.)"
if [ -n "${DISPLAY:-}" ] && command -v chromium >/dev/null; then
  (sleep 2 && chromium --no-first-run --disable-background-networking --app="$url" >/dev/null 2>&1 &)
fi
exec env EXTENSIONS_GALLERY='{}' node ".vscode-test/code-server-4.100.3/node_modules/code-server/out/node/entry.js" \
  --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --user-data-dir "$state/ud" --extensions-dir "$state/exts" "$ws"
