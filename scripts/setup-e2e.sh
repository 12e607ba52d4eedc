#!/usr/bin/env bash
# Installs what the real-VS-Code tests need, once, into a cache folder: Debian's chromium (and
# libkrb5-dev, ripgrep for code-server's build), and code-server from npm into .vscode-test/.
# Offline-safe: @vscode/ripgrep's download is served from a cache made from Debian's rg.
set -euo pipefail
cd "$(dirname "$0")/.."
CODE_SERVER_VERSION=4.100.3
dest=".vscode-test/code-server-$CODE_SERVER_VERSION"

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-e2e: installing ${need_apt[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$dest/node_modules/code-server/out/node/entry.js" ]; then
  exit 0
fi
echo "setup-e2e: installing code-server $CODE_SERVER_VERSION into $dest (about a minute)"
rm -rf "$dest"
mkdir -p "$dest"
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
if [ ! -f "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]; then
  work=$(mktemp -d)
  cp "$(command -v rg)" "$work/rg"
  tar -C "$work" -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  rm -rf "$work"
fi
echo '{"name":"chunkpress-e2e-host","private":true}' > "$dest/package.json"
(
  cd "$dest"
  npm_config_yes=true npm install --no-audit --no-fund --unsafe-perm "code-server@$CODE_SERVER_VERSION" >install.log 2>&1 ||
    { tail -40 install.log; exit 1; }
)
test -f "$dest/node_modules/code-server/out/node/entry.js"
echo "setup-e2e: code-server ready"
