#!/bin/sh
# Suite "data": the prefilter (src/prefilter.c) only saves time.  Every
# message of tests/data and of ../shared/corpus (when present) gets the same
# --json report with the prefilter and without it.  Prints TAP.
CORPUS=${BS_CORPUS:-$BS_SRCDIR/../shared/corpus}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
fail=0
compare() {	# description list-file
	what=$1 list=$2
	n=$((n + 1))
	# The built-in rules (as installed) and the rule files (-R) each
	# build their own prefilters.
	for rules in builtin files; do
		if [ $rules = builtin ]; then
			set -- env -u BACKSCATTER_CHECK_DATADIR
		else
			set -- env
		fi
		xargs "$@" "$BS_BIN" --no-config --json < "$list" \
			> "$tmp/on" 2>&1
		xargs "$@" BACKSCATTER_CHECK_NO_PREFILTER=1 "$BS_BIN" \
			--no-config --json < "$list" > "$tmp/off" 2>&1
		if ! cmp -s "$tmp/on" "$tmp/off"; then
			echo "not ok $n - $what ($rules rules): reports differ:"
			diff "$tmp/off" "$tmp/on" | head -20 | sed 's/^/# /'
			fail=1
			return
		fi
	done
	echo "ok $n - $what: $(wc -l < "$list") messages, same reports"
}

find "$BS_SRCDIR/tests/data" -type f -name '*.eml' | sort > "$tmp/data.list"
echo "1..2"
compare "tests/data" "$tmp/data.list"
if [ -d "$CORPUS" ]; then
	find "$CORPUS" -type f ! -name labels.tsv ! -name identity.args \
		! -name README.md | sort > "$tmp/corpus.list"
	compare "$CORPUS" "$tmp/corpus.list"
else
	echo "ok 2 # SKIP no corpus at $CORPUS"
fi
exit $fail
