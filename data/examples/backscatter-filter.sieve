# backscatter-filter.sieve: add an X-Backscatter header to every message and
# file backscatter into the folder "Backscatter"
# (Dovecot Pigeonhole with the sieve_extprograms plugin).
#
# "backscatter-check -H" writes the message back with one header added,
# "X-Backscatter: yes|no|unknown; score=N; threshold=N; kind=K; tests=...",
# so the verdict stays visible in the mail client (and other Sieve rules or
# the user's own script can test it).  Any incoming X-Backscatter header is
# removed first, so a sender cannot forge the verdict.  If the program
# fails, "filter" leaves the message unchanged and the script goes on: the
# header test below is then false and the message stays in INBOX.
#
# Needs the Dovecot settings in 90-backscatter-sieve.conf: the plugin, the
# vnd.dovecot.filter extension (global scripts only, so run this script as
# sieve_before) and a "backscatter-check" program in sieve_filter_bin_dir.
#
# Replace the identity arguments with your own (see backscatter.sieve).
#
# tests/pipeline/sieve.sh runs this very file with sieve-test.

require ["vnd.dovecot.filter", "fileinto", "mailbox"];

filter "backscatter-check" ["-H", "--address=kim@example.org",
		"--relay=mail.example.org", "--relay=192.0.2.25"];

# :matches "yes*" anchors the test at the start of the value, like the
# procmail and maildrop examples (":contains" would also match a test name).
if header :matches "X-Backscatter" "yes*" {
	# :create makes the folder on first use.
	fileinto :create "Backscatter";
	stop;
}
