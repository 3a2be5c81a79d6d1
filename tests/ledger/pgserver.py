"""A private PostgreSQL server for tests and benchmarks.

initdb in a temporary folder, listening on a unix socket in that folder
only (listen_addresses is empty: no TCP at all), trust authentication for
its one role.  PostgreSQL refuses to run as root, so under root the
server runs as nobody, in a folder handed to nobody.  Nothing outside the
folder is touched; destroy() removes it.  With dir, the server lives
in that folder instead and outlives the process (stop() without
destroy()); a folder that already holds a cluster is started again as it
is, so that a benchmark fills a large ledger once.
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile

ROLE = 'bs'


def find_bindir():
    """The folder of initdb and pg_ctl, or None."""
    for d in sorted(glob.glob('/usr/lib/postgresql/*/bin'), reverse=True):
        if os.access(os.path.join(d, 'initdb'), os.X_OK):
            return d
    initdb = shutil.which('initdb')
    return os.path.dirname(initdb) if initdb else None


class Server:
    def __init__(self, prefix='bs-pg-', settings=(), dir=None):
        self.bindir = find_bindir()
        if self.bindir is None:
            raise FileNotFoundError('no PostgreSQL server (initdb) found')
        if dir is None:
            self.dir = tempfile.mkdtemp(prefix=prefix)
        else:
            self.dir = os.path.abspath(dir)
            os.makedirs(self.dir, exist_ok=True)
        self.data = os.path.join(self.dir, 'data')
        self.log = os.path.join(self.dir, 'log')
        self.runas = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam('nobody')
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self.runas = ['runuser', '-u', 'nobody', '--']
        self.settings = ['fsync=off', 'listen_addresses=',
                         'unix_socket_directories=' + self.dir,
                         'max_connections=50'] + list(settings)
        self.reused = os.path.exists(os.path.join(self.data, 'PG_VERSION'))
        if not self.reused:
            self._pg(['initdb', '-D', self.data, '-U', ROLE,
                      '--auth=trust', '-E', 'UTF8', '--no-sync',
                      '--no-instructions'])
        # A kept server still running (its last user was interrupted)
        # is used as it is.
        if not self.reused or self._pg(['pg_ctl', '-D', self.data,
                                        'status'], check=False).returncode:
            self.start()

    def _pg(self, argv, check=True):
        argv = [os.path.join(self.bindir, argv[0])] + argv[1:]
        return subprocess.run(self.runas + argv, cwd='/', check=check,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)

    def start(self):
        opts = ' '.join("-c '%s'" % s for s in self.settings)
        self._pg(['pg_ctl', '-D', self.data, '-o', opts, '-l', self.log,
                  '-w', '-t', '60', 'start'])

    def stop(self):
        self._pg(['pg_ctl', '-D', self.data, '-m', 'fast', '-w', 'stop'],
                 check=False)

    def url(self, db='postgres'):
        return 'postgresql://%s@/%s?host=%s' % (ROLE, db, self.dir)

    def psql(self, sql, db='postgres'):
        """Runs sql with psql; returns its unaligned output."""
        p = subprocess.run([os.path.join(self.bindir, 'psql'), '-X', '-A',
                            '-t', '-v', 'ON_ERROR_STOP=1', '-h', self.dir,
                            '-U', ROLE, '-d', db, '-c', sql],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError('psql: %s' % p.stderr.strip())
        return p.stdout.strip()

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
