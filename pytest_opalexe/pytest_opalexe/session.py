"""A person's HTTP session against a running platform (a ``pserve`` process,
or nginx in front of it): cookies kept, the demo login, the CSRF token, and
bodies streamed both ways, for tests whose server is another process.

    session = Session(lambda: http.client.HTTPConnection("127.0.0.1", port))
    session.demo_login("avocat1")
    answer = session.request("GET", "/")
"""

from __future__ import annotations

import http.client
import re
import socket
from collections.abc import Callable, Iterable

from opalexe_core.services.demo import demo_email

from .nginx import Answer

TIMEOUT = 120


class Session:
    """``connect()`` opens a new connection to the platform (one per request);
    ``origin`` is sent as ``Origin`` with every change (Pyramid checks it
    against the public URL over HTTPS)."""

    def __init__(self, connect: Callable[[], http.client.HTTPConnection], origin: str | None = None):
        self.connect = connect
        self.origin = origin
        self.cookies: dict[str, str] = {}

    def _headers(self, method: str, headers) -> list[tuple[str, str]]:
        sent = list(headers)
        if self.cookies:
            sent.append(("Cookie", "; ".join(f"{name}={value}" for name, value in self.cookies.items())))
        if self.origin and method not in ("GET", "HEAD"):
            sent.append(("Origin", self.origin))
        return sent

    def _keep(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def open(self, method: str, path: str, headers=(), body: bytes | Iterable[bytes] | None = None,
             length: int | None = None) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send a request; the response is left unread (stream it, then close
        the connection). ``body`` may be an iterable of chunks of ``length``
        bytes in all."""
        connection = self.connect()
        connection.timeout = TIMEOUT
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in self._headers(method, headers):
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body) if isinstance(body, bytes) else length))
        connection.endheaders()
        if isinstance(body, bytes):
            connection.send(body)
        elif body is not None:
            for piece in body:
                connection.send(piece)
        response = connection.getresponse()
        self._keep(response)
        return connection, response

    def request(self, method: str, path: str, headers=(), body=None, length: int | None = None) -> Answer:
        connection, response = self.open(method, path, headers, body, length)
        try:
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def send_cut(self, method: str, path: str, headers, body: Iterable[bytes], length: int, sent_before_cut: int):
        """Announce ``length`` bytes, send ``sent_before_cut`` of them, and cut
        the connection, as a network failure would."""
        connection = self.connect()
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in self._headers(method, headers):
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        sent = 0
        for piece in body:
            piece = piece[:sent_before_cut - sent]
            connection.send(piece)
            sent += len(piece)
            if sent >= sent_before_cut:
                break
        connection.sock.shutdown(socket.SHUT_RDWR)
        connection.close()

    def demo_login(self, key: str) -> None:
        """Through the demo accounts page, as a person would."""
        answer = self.request("GET", "/connexion/demo")
        page = answer.body.decode()
        email = demo_email(key)
        assert answer.status == 200 and f'value="{email}"' in page, (answer.status, page[:3000])
        form = next(form for form in re.findall(r"<form .*?</form>", page, re.DOTALL) if f'value="{email}"' in form)
        action = re.search(r'action="([^"]+)"', form).group(1)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        body = "&".join(f"{name}={value}" for name, value in fields.items()).replace("@", "%40").encode()
        answer = self.request("POST", re.sub(r"^https?://[^/]+", "", action),
                              [("Content-Type", "application/x-www-form-urlencoded")], body)
        assert answer.status == 302, answer.body[:500]

    def csrf_token(self) -> str:
        page = self.request("GET", "/notifications").body.decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
