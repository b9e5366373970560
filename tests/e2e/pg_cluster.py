"""A throwaway PostgreSQL cluster for the end-to-end tests: Debian's initdb into a temporary directory, run as the
postgres user when the tests run as root (PostgreSQL refuses to run as root), listening only on a unix socket in that
directory; stopped and removed by close(). Clients find it through libpq's PGHOST, PGPORT and PGUSER (env())."""
import os
import shutil
import subprocess
import tempfile

BIN = "/usr/lib/postgresql/15/bin"
PORT = 5432  # of the socket file .s.PGSQL.5432, in a directory of its own: no clash with any other server


class PgCluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="updraft-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self._run(os.path.join(BIN, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale", "C")
        self.start()

    def env(self):
        """The environment variables that lead libpq (psql, psycopg2, mixed --pg) to this cluster."""
        return {"PGHOST": self.dir, "PGPORT": str(PORT), "PGUSER": "postgres"}

    def start(self):
        self._pg_ctl("start", "-w", "-t", "60", "-l", os.path.join(self.dir, "log"),
                     "-o", f"-k {self.dir} -c listen_addresses='' -c fsync=off -p {PORT}")

    def stop(self, mode="fast"):
        self._pg_ctl("stop", "-m", mode)

    def psql(self, sql, database="postgres"):
        """Runs sql with psql; returns its unaligned, tuples-only output."""
        done = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql, database], capture_output=True,
                              text=True, timeout=60, env={**os.environ, **self.env()})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def close(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _pg_ctl(self, *args):
        self._run(os.path.join(BIN, "pg_ctl"), "-D", self.data, *args)

    @staticmethod
    def _run(*args):
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}"
