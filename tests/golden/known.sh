#!/bin/sh
# known.sh MODE < output > filtered: what a golden case of unknown verdict
# may assert (cases.list exit "?").  A bounce from bounce-unlabeled, an
# auto-reply or an ARF report has no owner and no ground truth for its
# verdict: what is known is what the message says (kind, recipients,
# reason, the returned original).  The verdict and what decides it go.
#   json     without verdict, score, threshold, decided_by, tests and
#            original.vouched_hop (the program writes one object per line,
#            keys in a fixed order)
#   explain  without the tests: and verdict: sections
#   hdr      the X-Backscatter field (with its folded lines) becomes
#            "X-Backscatter: ?" in its own line ending; the rest is kept
#            byte for byte
# sed and awk, not python: one process per case must start fast.
case $1 in
json)
	exec sed -e 's/"verdict":"[^"]*",//' -e 's/"score":[-0-9.]*,//' \
	    -e 's/"threshold":[-0-9.]*,//' -e 's/"decided_by":"[^"]*",//' \
	    -e 's/"tests":\[.*\],"original":/"original":/' \
	    -e 's/,"vouched_hop":[-0-9.a-z]*}/}/' ;;
explain)
	exec awk '
	/^  (tests|verdict):/ { skip = 1; next }
	skip && /^    / { next }
	{ skip = 0; print }' ;;
hdr)
	exec awk '
	NR == 1 && /^X-Backscatter:/ {
		cr = /\r$/ ? "\r" : ""
		printf "X-Backscatter: ?%s\n", cr
		field = 1
		next
	}
	field && /^[ \t]/ { next }
	{ field = 0; print }' ;;
esac
echo "known.sh: no mode $1" >&2
exit 2
