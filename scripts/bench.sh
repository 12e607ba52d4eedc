#!/usr/bin/env bash
# `npm run bench`: prepares the corpus (the Linux 6.1 source tar from Debian's linux-source-6.1,
# ~1.3 GB once unpacked from .tar.xz) and runs bench/bench.ts. `npm run bench -- --quick` for one pass.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -f /usr/src/linux-source-6.1.tar.xz ] || need+=(linux-source-6.1)
command -v pzstd >/dev/null || need+=(zstd)
[ -x /usr/bin/time ] || need+=(time)
command -v xz >/dev/null || need+=(xz-utils)
command -v pigz >/dev/null || need+=(pigz)
command -v bgzip >/dev/null || need+=(tabix)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/deps.sh
corpus=.bench-cache/linux-source-6.1.tar
if [ ! -f "$corpus" ]; then
  mkdir -p .bench-cache
  echo "bench: unpacking the kernel source tar (about a minute)" >&2
  xz -dc /usr/src/linux-source-6.1.tar.xz > "$corpus.tmp" && mv "$corpus.tmp" "$corpus"
fi
if [ ! -d .bench-cache/tree/linux-source-6.1 ]; then
  echo "bench: unpacking the kernel tree for the folders part" >&2
  rm -rf .bench-cache/tree.tmp && mkdir -p .bench-cache/tree.tmp
  tar -xf "$corpus" -C .bench-cache/tree.tmp && rm -rf .bench-cache/tree && mv .bench-cache/tree.tmp .bench-cache/tree
fi
npm run --silent build >/dev/null
npx tsc -p .
node out/bench/bench.js "$corpus" "$@"
