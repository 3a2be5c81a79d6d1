#!/bin/sh
# Suite "man": the man pages are warning-free mdoc.  Prints TAP.
n=0
fail=0
echo "1..3"
for page in "$BS_SRCDIR"/man/backscatter-check.1 \
    "$BS_SRCDIR"/man/backscatter-check-rules.5 \
    "$BS_SRCDIR"/man/backscatter-milter.8; do
	n=$((n + 1))
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - ${page##*/} is clean mdoc"
	else
		echo "not ok $n - ${page##*/}: $out" | head -5
		fail=1
	fi
done
exit $fail
