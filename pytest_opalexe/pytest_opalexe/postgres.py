"""A throwaway PostgreSQL cluster for tests, run from Debian's server binaries.

The cluster lives in a temporary directory owned by the ``postgres`` system
user (the server refuses to run as root), listens on 127.0.0.1 on a port
chosen by the OS, keeps its unix socket inside that directory and trusts
every local connection. By default it is tuned for speed, not durability
(fsync off); ``PostgresCluster(durable=True)`` runs as production does
(fsync, full_page_writes and synchronous_commit on), for the tests that
crash it: ``kill()`` then ``start_again()`` on the same data directory and
port.

    with PostgresCluster() as cluster:
        cluster.create_database("opalexe")
        dsn = cluster.dsn("opalexe")  # for RelStorage's psycopg2 adapter
"""

import atexit
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Self

from .errors import InfrastructureError, MissingBinaryError
from .ports import LOOPBACK, free_port

SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
PORT_ATTEMPTS = 3
KILL_SECONDS = 10

# Appended to postgresql.conf: fast and quiet, not durable (unless durable=True).
SERVER_SETTINGS = {
    "listen_addresses": f"'{LOOPBACK}'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "logging_collector": "off",
    "log_min_messages": "warning",
}

# What ``durable=True`` changes: a commit is acknowledged once its WAL is on
# disk, and a page torn by a crash can be restored from the WAL.
DURABLE_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
}

_VALID_DBNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def find_bindir() -> str:
    """Return the ``bin`` directory of the highest installed PostgreSQL."""
    candidates = []
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        version = os.path.basename(os.path.dirname(bindir))
        has_tools = all(
            os.access(os.path.join(bindir, tool), os.X_OK)
            for tool in ("initdb", "pg_ctl")
        )
        if has_tools and version.replace(".", "").isdigit():
            key = tuple(int(part) for part in version.split("."))
            candidates.append((key, bindir))
    if not candidates:
        raise MissingBinaryError(
            "PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)",
            "postgresql",
        )
    return max(candidates)[1]


class PostgresCluster:
    """A private PostgreSQL cluster; ``start()`` it, ``stop()`` it, or use ``with``.

    ``durable`` turns fsync, full_page_writes and synchronous_commit on (and
    lets initdb sync its files), as in production; slower, so off by default.
    """

    def __init__(self, bindir: str | None = None, start_timeout: int = 30, durable: bool = False):
        self.bindir = bindir
        self.start_timeout = start_timeout
        self.durable = durable
        self.host = LOOPBACK
        self.port: int | None = None
        self.user = SUPERUSER
        self.dir: str | None = None

    # -- paths -------------------------------------------------------------

    @property
    def datadir(self) -> str:
        return os.path.join(self.dir, "data")

    @property
    def socket_dir(self) -> str:
        return self.dir

    @property
    def logfile(self) -> str:
        return os.path.join(self.dir, "postgres.log")

    @property
    def running(self) -> bool:
        return self.port is not None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        if self.running:
            return self
        self.bindir = self.bindir or find_bindir()
        self.dir = tempfile.mkdtemp(prefix="opalexe-pg-")
        try:
            self._give_dir_to_postgres()
            self._initdb()
            self._start_server()
        except BaseException:
            self._remove_dir()
            raise
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        if self.running:
            atexit.unregister(self.stop)
            try:
                self._pg_ctl("-m", "fast", "-w", "stop")
            finally:
                self.port = None
        self._remove_dir()

    def kill(self) -> None:
        """Crash the server: SIGKILL to the postmaster and every process it
        started, as a machine losing power would stop them (minus the page
        cache, which survives). No shutdown checkpoint, no clean-up; the data
        directory stays, and :meth:`start_again` runs crash recovery from the
        WAL.

        Each backend leads a process group of its own (PostgreSQL's
        InitPostmasterChild calls setsid), so the postmaster is frozen with
        SIGSTOP while its children are listed: it can fork no new one.
        """
        self._require_running()
        postmaster = self._postmaster_pid()
        os.kill(postmaster, signal.SIGSTOP)
        processes = [postmaster, *_children(postmaster)]
        for pid in processes:
            os.kill(pid, signal.SIGKILL)
        # Until the postmaster is reaped (by init: pg_ctl left it orphaned), a
        # new one takes it for alive, from postmaster.pid, and refuses to start.
        deadline = time.monotonic() + KILL_SECONDS
        while any(_exists(pid, zombie_counts=pid == postmaster) for pid in processes):
            if time.monotonic() > deadline:
                raise InfrastructureError(f"PostgreSQL processes {processes} outlived SIGKILL or were never reaped")
            time.sleep(0.05)

    def start_again(self) -> Self:
        """Start the server on the same data directory and port, after
        :meth:`kill` (pg_ctl waits until crash recovery is over)."""
        self._require_running()
        result = self._pg_ctl("--log", self.logfile, "-o", f"-p {self.port}", "-w", "start")
        if result.returncode != 0:
            raise InfrastructureError(
                f"PostgreSQL failed to start again (pg_ctl exit {result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n"
                f"--- {self.logfile} ---\n{self.log()}"
            )
        return self

    def log(self) -> str:
        """The server's log (every run since the last ``start()``)."""
        return self._read_log()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------

    def connection_params(self, dbname: str = "postgres") -> dict:
        """Keyword arguments for ``psycopg2.connect``."""
        self._require_running()
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": dbname,
        }

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq DSN string, as RelStorage's PostgreSQL adapter expects."""
        params = self.connection_params(dbname)
        return " ".join(f"{key}={value}" for key, value in params.items())

    def connect(self, dbname: str = "postgres"):
        """Open a psycopg2 connection to ``dbname`` (caller closes it)."""
        import psycopg2

        return psycopg2.connect(**self.connection_params(dbname))

    def create_database(self, name: str) -> dict:
        """Create database ``name`` and return its connection parameters."""
        self._execute_admin(f'CREATE DATABASE "{_check_dbname(name)}"')
        return self.connection_params(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting whoever is still connected."""
        self._execute_admin(
            f'DROP DATABASE IF EXISTS "{_check_dbname(name)}" WITH (FORCE)'
        )

    def databases(self) -> list[str]:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT datname FROM pg_database ORDER BY datname")
                return [row[0] for row in cur.fetchall()]
        finally:
            conn.close()

    # -- internals ---------------------------------------------------------

    def _require_running(self) -> None:
        if not self.running:
            raise InfrastructureError("the PostgreSQL cluster is not running")

    def _execute_admin(self, statement: str) -> None:
        conn = self.connect()
        try:
            conn.autocommit = True  # CREATE/DROP DATABASE refuse transactions
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def _give_dir_to_postgres(self) -> None:
        if os.geteuid() != 0:
            return  # the server runs as the current (non-root) user
        shutil.chown(self.dir, user=SYSTEM_USER, group=SYSTEM_USER)

    def _command(self, tool: str, *args: str) -> list[str]:
        cmd = [os.path.join(self.bindir, tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", SYSTEM_USER, "--", *cmd]
        return cmd

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        env = {
            key: value for key, value in os.environ.items() if not key.startswith("PG")
        }
        env["LC_ALL"] = "C.UTF-8"
        return subprocess.run(
            self._command(tool, *args),
            check=False,  # callers report failures with the server log
            cwd=self.dir,  # root's cwd may be unreadable for postgres
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=self.start_timeout + 30,
        )

    def _initdb(self) -> None:
        result = self._run(
            "initdb",
            "--pgdata",
            self.datadir,
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            *(() if self.durable else ("--no-sync",)),
        )
        if result.returncode != 0:
            raise InfrastructureError(
                f"initdb failed (exit {result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        settings = dict(SERVER_SETTINGS, unix_socket_directories=f"'{self.dir}'")
        if self.durable:
            settings.update(DURABLE_SETTINGS)
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as conf:
            conf.write("\n# opalexe test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return self._run(
            "pg_ctl", "--pgdata", self.datadir, "-t", str(self.start_timeout), *args
        )

    def _start_server(self) -> None:
        for _attempt in range(PORT_ATTEMPTS):
            port = free_port()
            self._remove_log()  # so the checks below only see this attempt
            result = self._pg_ctl(
                "--log", self.logfile, "-o", f"-p {port}", "-w", "start"
            )
            if result.returncode == 0:
                self.port = port
                return
            log = self._read_log()
            if "could not bind" not in log and "already in use" not in log:
                break
            # Somebody took the port between free_port() and the bind: retry.
            self._pg_ctl("-m", "immediate", "stop")
        raise InfrastructureError(
            f"PostgreSQL failed to start (pg_ctl exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}\n"
            f"--- {self.logfile} ---\n{log}"
        )

    def _postmaster_pid(self) -> int:
        with open(os.path.join(self.datadir, "postmaster.pid")) as pidfile:
            return int(pidfile.readline())

    def _read_log(self) -> str:
        try:
            with open(self.logfile, errors="replace") as log:
                return log.read()
        except OSError as error:
            return f"(no log: {error})"

    def _remove_log(self) -> None:
        try:
            os.unlink(self.logfile)
        except FileNotFoundError:
            pass

    def _remove_dir(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first),
    or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    children = []
    for entry in os.listdir("/proc"):
        fields = _stat(entry) if entry.isdigit() else None
        if fields is not None and int(fields[1]) == parent:
            children.append(int(entry))
    return children


def _exists(pid: int, zombie_counts: bool) -> bool:
    """Whether ``pid`` is still a process; a zombie holds no memory, file or
    socket any more, but still a pid."""
    fields = _stat(pid)
    if fields is None:
        return False
    return zombie_counts or fields[0] not in ("Z", "X")


def _check_dbname(name: str) -> str:
    if not _VALID_DBNAME.match(name):
        raise ValueError(f"database name {name!r} must match {_VALID_DBNAME.pattern}")
    return name
