#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ (CMake option SPIKING_SANITIZE),
# then runs the whole jest suite against that binary in one process.
#
# node itself is not instrumented, so the ASan runtime is preloaded; its leak
# check is off for this process because V8 and node keep memory until exit
# by design (npm run test:leak checks the addon for leaks). Any ASan or UBSan
# report aborts the run with a non-zero exit. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build:asan -- --log-level warn

libasan="$(g++ -print-file-name=libasan.so)"
if [ ! -e "$libasan" ]; then
  echo "test:asan: libasan.so not found (g++ -print-file-name=libasan.so gave '$libasan'); install g++ (Debian: libasan8 comes with it)" >&2
  exit 1
fi

export SPIKING_ADDON="$PWD/build-asan/Release/spiking.node"
export SPIKING_EXPECT_SANITIZED=1
LD_PRELOAD="$libasan" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  node node_modules/jest/bin/jest.js -i "$@"
