"""Serve a WSGI application over real HTTP, in a background thread.

Usage::

    with LiveServer(app) as server:
        page.goto(server.url + "/")
"""

import threading
from typing import Self

import waitress
from waitress import wasyncore

from .ports import LOOPBACK

POLL_TIMEOUT = 0.5  # seconds; stop() pulls the trigger, so this is only a fallback


class LiveServer:
    """A waitress server on 127.0.0.1 and a port chosen by the OS, or on the
    Unix socket ``unix_socket`` (a path), as production serves nginx."""

    def __init__(self, app, threads: int = 4, unix_socket=None, **adjustments):
        """``adjustments`` are passed to waitress (e.g.
        ``clear_untrusted_proxy_headers=False`` to see what a proxy sent)."""
        self.unix_socket = unix_socket
        self.app = app
        self.threads = threads
        self.adjustments = adjustments
        self.server = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        if self.server is None:
            raise RuntimeError("the live server is not started")
        if self.unix_socket is not None:
            raise RuntimeError("this live server listens on a Unix socket: see .unix_socket")
        return self.server.effective_port

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> Self:
        if self.server is None:
            self._stopping.clear()
            # The socket is bound and listening once create_server returns.
            if self.unix_socket is not None:
                where = {"unix_socket": str(self.unix_socket), "unix_socket_perms": "660"}
            else:
                where = {"host": LOOPBACK, "port": 0}
            self.server = waitress.create_server(self.app, threads=self.threads, **where, **self.adjustments)
            name = self.unix_socket if self.unix_socket is not None else self.port
            self._thread = threading.Thread(target=self._serve, name=f"LiveServer:{name}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self.server is None:
            return
        self._stopping.set()
        self.server.pull_trigger()  # wake the poll loop up now
        self._thread.join(timeout=15)
        self._thread = None
        self.server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _serve(self) -> None:
        # waitress's own run() only returns once every socket is closed, and
        # closing sockets from another thread races with its poll() call:
        # poll here, and close everything from this thread when asked to.
        server = self.server
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=POLL_TIMEOUT, map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map, ignore_all=True)
            server.task_dispatcher.shutdown()
