#!/usr/bin/env bash
# The command-line tools the tests compare against and the sample workspace is made with, from
# Debian when missing: zstd and pzstd, GNU tar and bsdtar, gzip and pigz, bgzip (tabix), openssl
# (SHA-256 of big files at SHA-NI speed; coreutils' sha256sum gives the same value 5x slower).
set -euo pipefail
need=()
command -v zstd >/dev/null && command -v pzstd >/dev/null || need+=(zstd)
command -v tar >/dev/null || need+=(tar)
command -v gzip >/dev/null || need+=(gzip)
command -v pigz >/dev/null || need+=(pigz)
command -v bgzip >/dev/null || need+=(tabix)
command -v bsdtar >/dev/null || need+=(libarchive-tools)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  echo "tools: installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
