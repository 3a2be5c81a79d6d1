#!/usr/bin/env python3
"""data/examples/imapfilter-backscatter.lua against a real Dovecot: the
test starts its own (config, passwd-file user and Maildir in a temp dir,
IMAP on 127.0.0.1 at a free port), appends a backscatter, a legitimate
bounce and a plain message, runs imapfilter with the recipe twice, and
looks where each one is.  Skips without dovecot or imapfilter unless
CI=true."""
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

RECIPE = os.path.join(lib.SRC, 'data', 'examples',
                      'imapfilter-backscatter.lua')
PASSWORD = 'not-a-secret'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_dovecot(work, port):
    if os.getuid() == 0:
        # Dovecot gives no mail process root: the mail is nobody's.
        internal, login = 'dovecot', 'dovenull'
        mail_user = pwd.getpwnam('nobody')
    else:
        me = pwd.getpwuid(os.getuid()).pw_name
        internal, login = me, me
        mail_user = pwd.getpwuid(os.getuid())
    for d in ('run', 'state', 'mail', 'home'):
        os.makedirs(os.path.join(work, d))
    for d in ('mail', 'home'):
        os.chown(os.path.join(work, d), mail_user.pw_uid, mail_user.pw_gid)
    os.chmod(work, 0o755)
    with open(os.path.join(work, 'passwd'), 'w') as f:
        f.write('kim:{PLAIN}%s::::::\n' % PASSWORD)
    conf = os.path.join(work, 'dovecot.conf')
    with open(conf, 'w') as f:
        f.write('''
base_dir = {w}/run
state_dir = {w}/state
log_path = {w}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = 0
mail_location = maildir:{w}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {w}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={w}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Junk {{
    special_use = \\Junk
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
'''.format(w=work, internal=internal,
           internal_group=internal_group(internal), login=login,
           uid=mail_user.pw_uid, gid=mail_user.pw_gid, port=port))
    p = subprocess.Popen(['dovecot', '-F', '-c', conf],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return p, conf
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.1)
    p.kill()
    out = p.communicate()[0].decode(errors='replace')
    log = ''
    if os.path.exists(os.path.join(work, 'dovecot.log')):
        with open(os.path.join(work, 'dovecot.log')) as f:
            log = f.read()
    raise RuntimeError('dovecot did not start: %s %s' % (out, log))


def internal_group(user):
    import grp
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def subjects(imap, folder):
    typ, _ = imap.select('"%s"' % folder, readonly=True)
    if typ != 'OK':
        return None
    typ, data = imap.search(None, 'ALL')
    out = []
    for num in data[0].split():
        typ, d = imap.fetch(num, '(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])')
        out.append(d[0][1].decode().strip())
    return sorted(out)


def main():
    for tool in ('dovecot', 'imapfilter'):
        if shutil.which(tool) is None:
            lib.skip('no %s (Debian: dovecot-imapd, imapfilter)' % tool)
    t = lib.Tap()
    work = tempfile.mkdtemp(prefix='bs-imap-')
    dovecot = None
    try:
        port = free_port()
        dovecot, conf = start_dovecot(work, port)
        t.ok(True, 'dovecot listens on 127.0.0.1:%d' % port)
        bs = lib.dated(lib.fixture('postfix-dsn-backscatter'), lib.T0, 1)
        legit = lib.dated(lib.fixture('postfix-dsn-legit'), lib.T0, 2)
        plain = lib.PLAIN
        imap = imaplib.IMAP4('127.0.0.1', port)
        imap.login('kim', PASSWORD)
        for msg in (bs, legit, plain):
            typ, _ = imap.append('INBOX', None, None,
                                 msg.replace(b'\n', b'\r\n'))
            t.ok(typ == 'OK', 'APPEND')
        env = dict(os.environ, HOME=work, BS_IMAP_SERVER='127.0.0.1',
                   BS_IMAP_PORT=str(port), BS_IMAP_USER='kim',
                   BS_IMAP_PASSWORD=PASSWORD, BS_IMAP_TLS='none',
                   BS_CHECK=lib.BIN, BS_CHECK_ARGS=' '.join(lib.IDENTITY))
        for run in (1, 2):
            r = subprocess.run(['imapfilter', '-c', RECIPE], env=env,
                               capture_output=True, timeout=120,
                               stdin=subprocess.DEVNULL)
            t.ok(r.returncode == 0, 'imapfilter runs the recipe (run %d)'
                 % run, (r.stdout + r.stderr).decode(errors='replace'))
            inbox = subjects(imap, 'INBOX')
            junk = subjects(imap, 'Junk')
            t.ok(junk == ['Message-Id: <bs1@example.net>'],
                 'the backscatter is in Junk (run %d)' % run, junk)
            t.ok(inbox == ['Message-ID: <lunch@example.com>',
                           'Message-Id: <bs2@example.net>'],
                 'the legitimate bounce and the plain message stay in '
                 'INBOX (run %d)' % run, inbox)
        imap.select('INBOX', readonly=True)
        typ, data = imap.search(None, 'UNSEEN')
        t.ok(len(data[0].split()) == 2, 'what stayed is still unseen',
             data)
        typ, data = imap.search(None, 'KEYWORD', 'BackscatterChecked')
        t.ok(len(data[0].split()) == 2, 'and marked as checked', data)
        imap.logout()
    except Exception as e:  # report, not a traceback outside TAP
        t.ok(False, 'the IMAP test ran', repr(e))
    finally:
        if dovecot is not None:
            dovecot.terminate()
            try:
                dovecot.wait(10)
            except subprocess.TimeoutExpired:
                dovecot.kill()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == '__main__':
    main()
