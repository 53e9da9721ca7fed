#!/usr/bin/env bash
# npm run test:leak, part 2: the addon under valgrind memcheck. Runs a small
# workload (scripts/leak-workload.js: 200 layers and 40 networks, so the
# layer kernels, Linear's current and difference, the Poisson encoder and the
# spike counts all run natively) in node and fails on any invalid memory
# access or any leak that is not node's or V8's own (scripts/valgrind-node.supp
# lists those, anchored so that they cannot hide an allocation of the addon).
# Loads the addon the package loads (or SPIKING_ADDON). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind-check: valgrind is not installed (Debian: apt-get install valgrind)" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# --smc-check: V8 writes and rewrites machine code on its heap.
status=0
valgrind --tool=memcheck --smc-check=all-non-file --leak-check=full \
  --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
  --suppressions=scripts/valgrind-node.supp --num-callers=40 --error-exitcode=99 \
  node scripts/leak-workload.js "${1:-200}" >"$log" 2>&1 || status=$?
grep -E "leak workload:|ERROR SUMMARY|definitely lost:|indirectly lost:|possibly lost:|suppressed:" "$log" | sed 's/^==[0-9]*== *//'
if [ "$status" -ne 0 ]; then
  cat "$log" >&2
  echo "valgrind-check: memcheck found errors or leaks in the addon (exit $status)" >&2
  exit 1
fi
echo "valgrind-check: no memory errors, no leaks outside node and V8"
