# postfix-instance.sh: a private Postfix instance for the milter test and
# the milter benchmark (sourced).  pf_make makes it in a new temp dir $tmp:
# config_directory $etc, queue, data and a virtual(8) Maildir for
# kim@example.org under $tmp/mail, its log in $tmp/maillog; listeners on
# free ports of 127.0.0.1, $mx (the MX) and $submission (an authenticated
# submission service: see postfix.sh), and smtpd_milters on the inet port
# $milter.  $PF_MAIN_EXTRA is appended to main.cf (later lines win).  No
# DNS, nothing sent out.  postfix(1) must run as root; the daemons run as
# the packaged mail_owner "postfix".
pf_make() {
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	etc="$tmp/etc"
	mpid=
	cleanup() {
		/usr/sbin/postfix -c "$etc" stop >/dev/null 2>&1
		[ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
		[ -n "${BS_KEEP_TMP:-}" ] || rm -rf "$tmp"
	}
	trap cleanup EXIT
	trap 'exit 1' INT TERM

	# Three free ports of 127.0.0.1.
	set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
	mx=$1 submission=$2 milter=$3

	mkdir -p "$etc" "$tmp/mail" "$tmp/data" "$tmp/spool"
	chown postfix:postfix "$tmp/mail" "$tmp/data"
	uid=$(id -u postfix)
	gid=$(id -g postfix)
	echo "kim@example.org kim/" > "$etc/vmailbox"
	cat > "$etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $tmp/spool
data_directory = $tmp/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $tmp/maillog
maillog_file_prefixes = $tmp
myhostname = mx.example.org
mydomain = example.org
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_host_lookup = native
disable_dns_lookups = yes
smtpd_peername_lookup = no
biff = no
default_transport = discard
virtual_mailbox_domains = example.org
virtual_mailbox_base = $tmp/mail
virtual_mailbox_maps = texthash:$etc/vmailbox
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
smtpd_milters = inet:127.0.0.1:$milter
milter_default_action = accept
milter_protocol = 6
${PF_MAIN_EXTRA:-}
EOF
	cat > "$etc/master.cf" <<EOF
127.0.0.1:$mx inet n - n - - smtpd
127.0.0.1:$submission inet n - n - - smtpd
  -o { milter_macro_defaults = auth_authen=kim }
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
virtual unix - n n - - virtual
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
}

# pf_start: the instance, after the milter; fails with its log as TAP
# comments.
pf_start() {
	/usr/sbin/postfix -c "$etc" start > "$tmp/start.log" 2>&1 && return 0
	cat "$tmp/start.log" "$tmp/maillog" 2>/dev/null | tail -20 |
	    sed "s/^/# /"
	return 1
}
