#!/usr/bin/env bash
# The main job: build the extension and open it in a real VS Code (code-server, in the browser)
# on a sample workspace. Prints the address; opens Chromium there when a display is available.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export npm_config_yes=true
bash scripts/tools.sh
bash scripts/deps.sh
bash scripts/setup-e2e.sh
node scripts/build.mjs
ws="$root/.vscode-test/sample-workspace"
node scripts/sample-workspace.mjs "$ws"

port="${PORT:-8080}"
# Everything code-server keeps (its config.yaml, user data, extensions, caches) stays in here.
state="$root/.vscode-test/start"
mkdir -p "$state/ud/User" "$state/exts" "$state/xdg/config" "$state/xdg/data" "$state/xdg/cache"
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  Object.assign(settings, {
    "workbench.startupEditor": "readme",
    "telemetry.telemetryLevel": "off",
    "git.openRepositoryInParentFolders": "never",
  });
  fs.writeFileSync(file, JSON.stringify(settings, null, 2) + "\n");
' "$state/ud/User/settings.json"
payload=$(node -e "console.log(encodeURIComponent(JSON.stringify([['extensionDevelopmentPath','vscode-remote://127.0.0.1:$port$root']])))")
url="http://127.0.0.1:$port/?folder=$(node -e "console.log(encodeURIComponent(process.argv[1]))" "$ws")&payload=$payload"

echo
echo "Chunkpress is loaded in VS Code at:"
echo "  $url"
echo "(Ctrl-C stops it.)"
if [ -n "${DISPLAY:-}" ] && command -v chromium >/dev/null; then
  (sleep 2 && chromium --no-first-run --disable-background-networking --app="$url" >/dev/null 2>&1 &)
fi
exec env EXTENSIONS_GALLERY='{}' XDG_CONFIG_HOME="$state/xdg/config" XDG_DATA_HOME="$state/xdg/data" \
  XDG_CACHE_HOME="$state/xdg/cache" node ".vscode-test/code-server-4.100.3/node_modules/code-server/out/node/entry.js" \
  --config "$state/config.yaml" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --user-data-dir "$state/ud" --extensions-dir "$state/exts" "$ws"
