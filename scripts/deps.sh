#!/usr/bin/env bash
# The npm dependencies, with zstd-napi's native addon compiled here with our flags: without frame
# pointers (node-gyp keeps them for profilers), zstd has one more register in its hot loops, and
# compressing the benchmark's kernel tar took 3-5 % less CPU (docs/PERFORMANCE.md, "Why the defaults are what they are").
# Rebuilds the addon alone when it was built with other flags (a plain `npm ci`). Our own addon,
# native/libdeflate (a file: dependency, over Debian's libdeflate-dev), is built by npm ci too.
set -euo pipefail
cd "$(dirname "$0")/.."
# Our libdeflate binding links Debian's static libdeflate.
if ! dpkg -s libdeflate-dev >/dev/null 2>&1; then
  echo "deps: installing libdeflate-dev from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq libdeflate-dev >/dev/null
fi
flags="-fomit-frame-pointer"
stamp=node_modules/.chunkpress-native-flags
# prebuild-install would fetch a prebuilt addon where the network allows; build it here instead.
export npm_config_build_from_source=zstd-napi CFLAGS="$flags" CXXFLAGS="$flags"
if [ ! -f node_modules/zstd-napi/build/Release/binding.node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci (builds zstd-napi from source; about a minute)"
  npm ci --no-audit --no-fund
  echo "$flags" > "$stamp"
elif [ ! -f native/libdeflate/build/Release/deflate_binding.node ]; then
  echo "deps: building our libdeflate binding (a few seconds)"
  npm rebuild chunkpress-libdeflate
elif [ "$(cat "$stamp" 2>/dev/null)" != "$flags" ]; then
  echo "deps: rebuilding zstd-napi with $flags (about 30 s)"
  npm rebuild zstd-napi
  echo "$flags" > "$stamp"
fi
