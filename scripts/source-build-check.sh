#!/usr/bin/env bash
# npm run test:source-build: the published tarball builds from source on a
# machine without libxsimd-dev. Packs the package (prepack: the xsimd headers
# into vendor/, both Linux prebuilds present), checks what the tarball holds,
# then, in a clean folder and with /usr/include/xsimd hidden (an empty
# read-only mount over it, in a private mount namespace: nothing else on the
# machine sees it, nothing to restore), runs
#   npm install <tarball> --build-from-source
# and the quick-start demo against the result. Needs root (unshare, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

[ -f prebuilds/linux-x64/spiking.node ] && [ -f prebuilds/linux-arm64/spiking.node ] || bash scripts/prebuilds.sh
npm run build:ts >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== npm pack"
npm pack --pack-destination "$work" --silent >"$work/packed"
tarball="$work/$(tail -n 1 "$work/packed")"
listing="$(tar -tzf "$tarball")"
for file in vendor/xsimd/include/xsimd/xsimd.hpp vendor/xsimd/LICENSE prebuilds/linux-x64/spiking.node \
  prebuilds/linux-arm64/spiking.node binding.gyp native/kernels/vector_loop.hpp dist/index.js; do
  grep -qx "package/$file" <<<"$listing" || { echo "source-build-check: expected $file in $(basename "$tarball"), found none" >&2; exit 1; }
done
echo "   $(basename "$tarball"): $(wc -l <<<"$listing") files, $(du -k "$tarball" | cut -f1) KiB, with vendor/xsimd and prebuilds/linux-{x64,arm64}"

mkdir "$work/app"
sed "s#require('..')#require('spiking')#" examples/quickstart.js >"$work/app/demo.js"
echo "== npm install --build-from-source in a clean folder, /usr/include/xsimd hidden"
unshare --mount --propagation private bash -euo pipefail -c '
  mount -t tmpfs -o ro,size=4k none /usr/include/xsimd
  if echo "#include <xsimd/xsimd.hpp>" | g++ -x c++ -fsyntax-only - 2>/dev/null; then
    echo "source-build-check: the system xsimd headers are still visible" >&2; exit 1
  fi
  cd "$1/app"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --foreground-scripts --build-from-source "$2" >install.log 2>&1 \
    || { tail -n 40 install.log >&2; exit 1; }
  test -f node_modules/spiking/build/Release/spiking.node
  # The system headers are hidden: the one xsimd the compiler could find is the vendored one.
  grep -A1 -- "-idirafter" node_modules/spiking/build/spiking.target.mk | grep -qs "$PWD/node_modules/spiking/vendor/xsimd/include" \
    || { echo "source-build-check: expected -idirafter .../vendor/xsimd/include in build/spiking.target.mk, found none" >&2; exit 1; }
  echo "   built with -idirafter node_modules/spiking/vendor/xsimd/include, the system xsimd hidden"
  node demo.js
  node node_modules/spiking/bin/spiking.js info | grep -E "^(platform|addon|instruction sets compiled in):"
' check "$work" "$tarball"
