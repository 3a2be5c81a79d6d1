#!/bin/sh
# fuzz/run.sh [TARGET...]: build the libFuzzer targets (if needed) and run
# each for FUZZ_SECONDS (default 60), one after the other.  Fails when any
# target finds a crash, a leak, a timeout or an out-of-memory; the input
# that did it is saved in BUILDDIR/fuzz-crashers/ (keep it as a regression
# case in tests/data/crashers/ once fixed).
#
#   FUZZ_BUILDDIR  build directory (default build-fuzz, made with clang,
#                  -Dfuzzing=true and ASan+UBSan)
#   FUZZ_SECONDS   seconds per target (default 60)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILDDIR:-$src/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=${*:-classify dsn inline filter pattern header-model mailbox address dkim-keys proof milter}

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dtests=false \
	    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build"
"$src/fuzz/seed.sh" "$build"

# Any sanitizer report is fatal; a GLib critical (a g_return_if_fail hit
# by input) is a bug too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export G_DEBUG=fatal-criticals
# GLib 2.74 keeps freed slices for reuse, where LeakSanitizer cannot see a
# leaked GObject: hand them to malloc.
export G_SLICE=always-malloc
export G_MESSAGES_DEBUG=

mkdir -p "$build/fuzz-crashers"
status=0
for t in $targets; do
	corpus=$build/fuzz-corpus/$t
	mkdir -p "$corpus"
	rm -f "$build/fuzz-crashers/$t-"*
	echo "fuzz/run.sh: fuzz-$t for ${seconds}s"
	if ! "$build/fuzz/fuzz-$t" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -max_total_time="$seconds" \
	    -print_final_stats=1 \
	    -artifact_prefix="$build/fuzz-crashers/$t-" \
	    "$corpus" "$build/fuzz-seeds/$t" >"$build/fuzz-$t.log" 2>&1; then
		echo "fuzz/run.sh: fuzz-$t FAILED; log: $build/fuzz-$t.log"
		tail -n 60 "$build/fuzz-$t.log"
		status=1
	else
		grep -E '^stat::number_of_executed_units|^Done' \
		    "$build/fuzz-$t.log" || true
	fi
done
if [ "$status" -ne 0 ]; then
	echo "fuzz/run.sh: crashers:"
	ls -l "$build/fuzz-crashers"
fi
exit "$status"
