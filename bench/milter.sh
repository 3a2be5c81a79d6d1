#!/bin/sh
# milter.sh: backscatter-milter's throughput and per-message cost (issue 16:
# >= 200 messages/s with 8 concurrent SMTP sessions; per message within
# 1.5 x the command line's cost).
#
# smtp-source (Postfix) sends BENCH_MESSAGES (2000) copies of a bounce
# (BENCH_MESSAGE, default data/samples/backscatter.eml: a 13 KB DSN that
# is classified in full) with a null sender over 8 parallel sessions to a
# private Postfix instance (tests/milter/postfix-instance.sh; delivery
# discarded, so that the disk is not measured) with the milter.  Reported:
#   - messages/s, wall clock, for the whole MTA with the milter (on a
#     socket file; BENCH_SOCKET=inet for TCP), and for Postfix alone;
#   - the milter's CPU time per message (utime + stime from /proc);
#   - backscatter-check's CPU time per message, one process per message
#     as an MDA runs it (BENCH_CLI_RUNS, 300), and in one process over
#     the same file many times (bulk), with the milter's (empty) ledger;
#   - with BENCH_CALLGRIND=1, instructions per message (callgrind) of the
#     milter (a run of BENCH_CALLGRIND_MESSAGES, 100, less a run of none)
#     and of backscatter-check on the message: on a shared machine the
#     instruction counts are what compare, the times only roughly.
# Needs root (postfix(1)), postfix and smtp-source.  Exits 0 when the
# targets are met (>= 200/s, CPU within 1.5 x a backscatter-check
# process), 1 when not, 77 when it cannot run.
set -u
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
: "${BS_BIN:?BS_BIN is not set}"
: "${BS_MILTER:?BS_MILTER is not set}"
messages=${BENCH_MESSAGES:-2000}
sessions=${BENCH_SESSIONS:-8}
message=${BENCH_MESSAGE:-$BS_SRCDIR/data/samples/backscatter.eml}
cli_runs=${BENCH_CLI_RUNS:-300}

command -v smtp-source >/dev/null 2>&1 || { echo "no smtp-source"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "postfix(1) starts only as root"; exit 77; }
export XDG_CONFIG_HOME=/nonexistent XDG_DATA_HOME=/nonexistent

PF_MAIN_EXTRA="virtual_transport = discard
in_flow_delay = 0"
. "$BS_SRCDIR/tests/milter/postfix-instance.sh"
pf_make
printf '[ledger]\npath=%s/ledger.sqlite\n[milter]\naction=header\n' \
    "$tmp" > "$tmp/milter.conf"
# smtp-source appends CRLF to each line itself.
tr -d '\r' < "$message" > "$tmp/message"

cpu_ticks() {	# utime + stime of a process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# BENCH_SOCKET=inet: over TCP instead of a socket file.
if [ "${BENCH_SOCKET:-unix}" = inet ]; then
	msock="inet:$milter@127.0.0.1"
else
	msock="unix:$tmp/milter.sock"
	PF_SMTPD_MILTERS="unix:$tmp/milter.sock"
	/usr/sbin/postconf -c "$etc" -e "smtpd_milters = $msock"
fi
start_milter() {	# start_milter [WRAPPER...]
	# A socket file smtpd (user postfix) may connect to.
	(umask 0; exec "$@" "$BS_MILTER" -v -c "$tmp/milter.conf" \
	    -p "$msock" 2> "$tmp/milter.log") &
	mpid=$!
	i=0
	while ! grep -q listening "$tmp/milter.log" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
stop_milter() {
	kill "$mpid"
	wait "$mpid"
	mpid=
}

start_milter
pf_start || exit 77
# One message first, so that start-up is not counted.
smtp-source -s 1 -m 1 -f '' -t kim@example.org -F "$tmp/message" \
    "127.0.0.1:$mx"
sleep 1
ticks0=$(cpu_ticks "$mpid")
t0=$(date +%s.%N)
smtp-source -s "$sessions" -m "$messages" -f '' -t kim@example.org \
    -F "$tmp/message" "127.0.0.1:$mx"
t1=$(date +%s.%N)
ticks1=$(cpu_ticks "$mpid")
judged=$(grep -c ': header: ' "$tmp/milter.log")
stop_milter

# The same through Postfix without the milter: what the MTA itself costs
# on this machine at this moment.
/usr/sbin/postconf -c "$etc" -e "smtpd_milters ="
/usr/sbin/postfix -c "$etc" reload >/dev/null 2>&1
sleep 2
t2=$(date +%s.%N)
smtp-source -s "$sessions" -m "$messages" -f '' -t kim@example.org \
    -F "$tmp/message" "127.0.0.1:$mx"
t3=$(date +%s.%N)
/usr/sbin/postconf -c "$etc" -e "smtpd_milters = ${PF_SMTPD_MILTERS:-inet:127.0.0.1:$milter}"
/usr/sbin/postfix -c "$etc" reload >/dev/null 2>&1
sleep 1
bare=$(echo "$messages $t2 $t3" | awk '{ printf "%.0f", $1 / ($3 - $2) }')
hz=$(getconf CLK_TCK)
rate=$(echo "$messages $t0 $t1" | awk '{ printf "%.0f", $1 / ($3 - $2) }')
milter_ms=$(echo "$ticks0 $ticks1 $hz $messages" |
    awk '{ printf "%.3f", ($2 - $1) * 1000 / $3 / $4 }')

# The command line, one process per message, and in bulk.
# The same (empty) ledger as the milter's: a lookup each.
cli_ms=$(python3 - "$BS_BIN" "$tmp/message" "$cli_runs" "$tmp/ledger.sqlite" <<'PY'
import resource, subprocess, sys
bin, msg, runs, ledger = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
c0 = cpu()
for _ in range(runs):
    with open(msg, "rb") as f:
        subprocess.run([bin, "--no-config", "--ledger", ledger, "-H"], stdin=f,
                       stdout=subprocess.DEVNULL)
print("%.3f" % ((cpu() - c0) * 1000 / runs))
PY
)
bulk_ms=$(python3 - "$BS_BIN" "$tmp/message" "$tmp/ledger.sqlite" <<'PY'
import resource, subprocess, sys
bin, msg, ledger = sys.argv[1], sys.argv[2], sys.argv[3]
n = 1000
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run([bin, "--no-config", "--ledger", ledger] + [msg] * n,
               stdout=subprocess.DEVNULL)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % ((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
                * 1000 / n))
PY
)

echo "milter: $messages messages, $sessions sessions: $rate messages/s" \
    "(wall clock, whole MTA), $judged classified"
echo "Postfix alone (no milter), the same messages: $bare messages/s"
echo "milter CPU per message: $milter_ms ms"
echo "backscatter-check CPU per message: $cli_ms ms (a process each)," \
    "$bulk_ms ms (one process over 1000 copies)"
ratio=$(echo "$milter_ms $cli_ms" | awk '{ printf "%.2f", $1 / $2 }')
echo "milter / backscatter-check per message (CPU): $ratio a process," \
    "$(echo "$milter_ms $bulk_ms" | awk '{ printf "%.2f", $1 / $2 }') in bulk"

if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
	cg() {	# cg OUT MESSAGES: the milter's instructions over a run
		start_milter valgrind --tool=callgrind \
		    --callgrind-out-file="$tmp/cg.$1"
		if [ "$2" -gt 0 ]; then
			smtp-source -s "$sessions" -m "$2" -f '' \
			    -t kim@example.org -F "$tmp/message" \
			    "127.0.0.1:$mx"
		fi
		sleep 1
		stop_milter 2>/dev/null
		awk '/^totals:|^summary:/ { print $2; exit }' "$tmp/cg.$1"
	}
	m=${BENCH_CALLGRIND_MESSAGES:-100}
	i0=$(cg 0 0)
	i1=$(cg 1 "$m")
	cli_cg() {	# cli_cg OUT COPIES: backscatter-check over COPIES copies
		set -- "$1" "$2"
		files=
		i=0
		while [ $i -lt "$2" ]; do
			files="$files $tmp/message"
			i=$((i + 1))
		done
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
		    "$BS_BIN" --no-config --ledger "$tmp/ledger.sqlite" $files \
		    >/dev/null 2>&1
		awk '/^totals:|^summary:/ { print $2; exit }' "$tmp/cg.$1"
	}
	c1=$(cli_cg cli1 1)
	c100=$(cli_cg cli100 101)
	per_milter=$(echo "$i0 $i1 $m" | awk '{ printf "%.2f", ($2 - $1) / $3 / 1e6 }')
	per_process=$(echo "$c1" | awk '{ printf "%.2f", $1 / 1e6 }')
	per_bulk=$(echo "$c1 $c100" | awk '{ printf "%.2f", ($2 - $1) / 100 / 1e6 }')
	echo "instructions per message (callgrind): milter ${per_milter}M" \
	    "(over $m messages, less its start-up of $(echo "$i0" |
	    awk '{ printf "%.1f", $1 / 1e6 }')M);" \
	    "backscatter-check ${per_process}M a process," \
	    "${per_bulk}M a message in one process"
	echo "milter / backscatter-check (instructions):" \
	    "$(echo "$per_milter $per_process" | awk '{ printf "%.2f", $1 / $2 }')" \
	    "a process, $(echo "$per_milter $per_bulk" |
	    awk '{ printf "%.2f", $1 / $2 }') in bulk"
fi
[ "$judged" -ge "$messages" ] || { echo "not every message classified"; exit 1; }
echo "$rate $ratio" | awk '{ exit !($1 >= 200 && $2 <= 1.5) }'
