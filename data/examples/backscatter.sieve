# backscatter.sieve: file backscatter into the folder "Backscatter"
# (Dovecot Pigeonhole with the sieve_extprograms plugin).
#
# backscatter-check reads the message on standard input and exits 0 when it
# is backscatter, so "execute :pipe" used as a test is true exactly for
# backscatter.  Any other exit code (1 = not backscatter, or an error) makes
# the test false and the message goes on unchanged: a broken filter never
# loses mail.
#
# Needs the Dovecot settings in 90-backscatter-sieve.conf: the plugin, the
# vnd.dovecot.execute extension (global scripts only, so run this script as
# sieve_before) and a "backscatter-check" program in sieve_execute_bin_dir.
#
# Replace the identity arguments with your own: every address of the
# mailbox owner (--address, repeatable; "@example.org" means the whole
# domain) and every host your outgoing mail leaves through (--relay: host
# name, glob, IP address or CIDR).  For many users, drop them here and give
# each user ~/.config/backscatter-check/config instead (Dovecot sets HOME).
#
# tests/pipeline/sieve.sh runs this very file with sieve-test.

require ["vnd.dovecot.execute", "fileinto", "mailbox"];

if execute :pipe "backscatter-check" ["--address=kim@example.org",
		"--relay=mail.example.org", "--relay=192.0.2.25"] {
	# :create makes the folder on first use.
	fileinto :create "Backscatter";
	stop;
}
