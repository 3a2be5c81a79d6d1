#!/bin/sh
# tests/valgrind.sh [BUILDDIR]: the unit and golden suites under valgrind
# memcheck: no memory error and no definite leak, or the test fails.
#
# BUILDDIR (default: build) is a configured build without sanitizers.  Each
# test runs through valgrind-wrap.sh: a test program under valgrind itself;
# a test script (sh) with BS_BIN pointing at a shim that runs the program
# under valgrind.  valgrind exits 99 on an error, which no test expects.
# GLib's and GMime's lifetime allocations are "still reachable", not
# errors; valgrind.supp holds what else must be hushed, each entry with
# its reason.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in
/*) ;;
*) build=$PWD/$build ;;
esac
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not found" >&2; exit 77; }
exec meson test -C "$build" --suite unit --suite golden --print-errorlogs \
    --timeout-multiplier 40 --wrapper "$src/tests/valgrind-wrap.sh"
