"""The platform served by ``pserve`` in a child process, as production runs it.

:class:`ServerProcess` starts a command line built for a free port (``args(port)``,
e.g. ``pserve production.ini http_port=<port>`` as the systemd unit does), waits
until it answers HTTP on 127.0.0.1, and kills (SIGKILL: no clean-up at all) or
stops (SIGTERM) it. :meth:`ServerProcess.from_settings` is the shortcut for a
test's own settings: they are written to an ini file served by waitress.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .ports import LOOPBACK, free_port

PSERVE = Path(sys.executable).with_name("pserve")
START_SECONDS = 15
STOP_SECONDS = 10
PORT_ATTEMPTS = 3


def _ini_value(value: str) -> str:
    return str(value).replace("%", "%%")  # PasteDeploy interpolates %(name)s


def write_ini(path: Path, settings: dict, port: int | Path) -> Path:
    """An ini file serving the app with ``settings`` on 127.0.0.1:``port``, or
    on the Unix socket ``port`` when it is a path (production's way)."""
    app = "\n".join(f"{key} = {_ini_value(value)}" for key, value in settings.items())
    listen = (f"unix_socket = {port}\nunix_socket_perms = 600" if isinstance(port, Path)
              else f"listen = {LOOPBACK}:{port}")
    path.write_text(
        f"""[app:main]
use = egg:opalexe
{app}

[server:main]
use = egg:waitress#main
{listen}
threads = 4

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s][%(threadName)s] %(message)s
"""
    )
    return path


def server_env(storage_env: dict, workdir: Path) -> dict:
    """The storage's environment, with a blob cache of the server's own
    (etc/relstorage.conf: one cache directory per process)."""
    env = dict(storage_env)
    if "OPALEXE_BLOB_DIR" in env:
        env["OPALEXE_BLOB_DIR"] = str(workdir / "blobcache")
    return env


class ServerProcess:
    """``args(port)`` run on a free port; ``start()`` waits until it answers.

    With ``unix_socket`` (a path), ``args(unix_socket)`` is run instead and
    the process is reached over that socket (production's way, see
    ``production.ini``): ``url`` is then meaningless, use :meth:`get`.

    ``workdir`` holds the process's log (``pserve.log``) and is its working
    directory unless ``cwd`` is given; ``env`` is added to this process's
    environment.
    """

    def __init__(self, workdir: Path, env: dict, args: Callable[[int], list[str]], cwd: Path | None = None,
                 unix_socket: Path | None = None):
        self.workdir = workdir
        self.env = env
        self.args = args
        self.cwd = cwd or workdir
        self.unix_socket = unix_socket
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.command: list[str] = []
        self.log_path = workdir / "pserve.log"

    @classmethod
    def from_settings(cls, workdir: Path, settings: dict, env: dict,
                      unix_socket: Path | None = None) -> ServerProcess:
        """``pserve`` on an ini file written in ``workdir`` from ``settings``,
        on a free port or on ``unix_socket``."""

        def args(port: int | Path) -> list[str]:
            return [str(PSERVE), str(write_ini(workdir / "server.ini", settings, port))]

        return cls(workdir, env, args, unix_socket=unix_socket)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def get(self, path: str, headers=()) -> tuple[int, bytes]:
        """GET ``path`` of this process alone (its socket or port): status and body."""
        from .nginx import UnixHTTPConnection, request

        if self.unix_socket is not None:
            connection = UnixHTTPConnection(self.unix_socket)
        else:
            import http.client

            connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
        answer = request(connection, path, headers)
        return answer.status, answer.body

    def start(self) -> ServerProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.unix_socket is not None:
            self._launch(self.unix_socket)
            if self._wait_until_answering():
                return self
            self.kill()
            raise AssertionError(f"{' '.join(self.command)} did not answer on {self.unix_socket} within "
                                 f"{START_SECONDS}s:\n{self.log()}")
        for _attempt in range(PORT_ATTEMPTS):
            self._launch(free_port())
            if self._wait_until_answering():
                return self
            self.kill()
            if "address already in use" not in self.log().lower():
                break  # not a port race: retrying would not help
        command = " ".join(self.command)
        raise AssertionError(f"{command} did not answer on {self.url} within {START_SECONDS}s:\n{self.log()}")

    def restart(self) -> ServerProcess:
        """Stop, then start again on the same port (a proxy knows the process
        by its port)."""
        self.stop()
        self._launch(self.unix_socket if self.unix_socket is not None else self.port, log_mode="ab")  # keep the log
        if not self._wait_until_answering():
            self.kill()
            raise AssertionError(f"restart: no answer on {self.url} within {START_SECONDS}s:\n{self.log()}")
        return self

    def _launch(self, port, log_mode: str = "wb") -> None:
        if self.unix_socket is None:
            self.port = port
        self.command = self.args(port)
        with open(self.log_path, log_mode) as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C of pytest does not reach it twice
            )

    def _wait_until_answering(self) -> bool:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            if self.unix_socket is not None:
                try:
                    self.get("/")
                    return True
                except OSError:
                    time.sleep(0.1)
                    continue
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1):
                    return True
            except urllib.error.HTTPError:
                return True  # it answers, even if not with 200
            except OSError:
                time.sleep(0.1)
        return False

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for the process to end by itself;
        its exit status (``-signal.SIGKILL`` when killed so), or None if it
        still runs."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no atexit, no finally, no storage close."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        """SIGTERM, as systemd stops a unit; SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reap()

    def _reap(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=STOP_SECONDS)
