#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine to a running simulation: installs the
# system packages that are missing (xsimd headers, a C++ toolchain, and
# redis-server, which the scale-out tests start on a loopback port), the npm
# dependencies, builds the addon and the TypeScript, and runs the demo.
# The addon is compiled once, by cmake-js (npm run build): npm ci skips the
# package's install script (node-gyp-build, which would compile it with
# node-gyp first, for users installing the package without a prebuild).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "spiking needs Node.js >= 20.17 (https://nodejs.org); install it first." >&2
  exit 1
fi
node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 17)) { console.error(`spiking needs Node.js >= 20.17, this is ${process.version}`); process.exit(1); }'

bash scripts/install-packages.sh libxsimd-dev cmake g++ make python3 redis-server

npm ci --no-audit --no-fund --ignore-scripts
npm run build
npm run demo
