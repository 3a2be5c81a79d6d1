#!/bin/sh
# valgrind-wrap.sh COMMAND...: runs one test under valgrind memcheck (see
# valgrind.sh).  A test program runs under valgrind; a shell script runs
# as it is, with BS_BIN replaced by a shim that runs the program under it.
here=$(cd "$(dirname "$0")" && pwd)
# GLib 2.74 keeps freed slices for reuse: hand them back to malloc so that
# valgrind sees every block.
export G_SLICE=always-malloc G_DEBUG=gc-friendly
# PCRE2 JIT code reads past the subject on purpose; valgrind would report it.
export BACKSCATTER_CHECK_NO_JIT=1
vg="valgrind --quiet --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--track-origins=yes --suppressions=$here/valgrind.supp"
case $(basename "$1") in
sh | dash | bash)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/bs-valgrind.XXXXXX") || exit 1
	# The shim's name ends in the program's, for scripts that print it.
	shim=$dir/backscatter-check
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$vg" "$BS_BIN" > "$shim"
	chmod +x "$shim"
	BS_BIN=$shim "$@"
	status=$?
	rm -rf "$dir"
	exit $status
	;;
*)
	# shellcheck disable=SC2086 # vg is a word list
	exec $vg "$@"
	;;
esac
