"""Which request headers the platform believes: those nginx set, never those a
visitor or another process of the host could forge.

nginx (``etc/nginx/opalexe.conf``) tells the application who the visitor is:
their address (``X-Forwarded-For``), the scheme they used
(``X-Forwarded-Proto``), the ``Host`` they asked for (with its port), and the
client certificate of their card (``X-SSL-Client-Cert``, with nginx's verdict
in ``X-SSL-Client-Verify``). These headers are believed only from **the
proxy's path**, which nobody else can take:

* ``opalexe.proxy.unix_socket = true``: the request came over waitress's Unix
  socket (``unix_socket`` in ``production.ini``), a file only the
  application's user and nginx's group may open (mode 0660 in a folder of
  group ``www-data``, ``etc/tmpfiles.d/opalexe.conf``). No other local user
  can connect, whatever the address it would come from;
* ``opalexe.proxy.secret`` (or ``OPALEXE_PROXY_SECRET``): the request carries
  ``X-Opalexe-Proxy-Secret`` with that secret, which nginx adds to every
  request (for an nginx on another host of a private network).

A request that carries any of those headers by another path is **refused**
(400) and logged (logger ``opalexe_core.proxy``, a warning naming the peer
and the headers): a process of the host reaching a waitress port, or a
visitor reaching one directly, cannot pose as a card holder. The secret
header never reaches a view.

This tween is the one place that decides; waitress runs with its own proxy
handling off (``production.ini``). Afterwards ``REMOTE_ADDR`` and
``wsgi.url_scheme`` are the visitor's, and how the request came is kept
under :data:`PATH_KEY` (``"unix-socket"``, ``"secret"`` or ``"direct"``).

The same tween puts the platform's public address (``opalexe.public_url``,
:class:`PublicURL`) in the request: scheme, host and path prefix. Every URL
the application builds (``request.resource_url``, ``route_url``,
``static_url``, redirects, Pyramid's CSRF origin check) then starts with
it, never with the ``Host`` a visitor sent. Without a public URL
(development, tests) URLs follow the request's ``Host``, which nginx passes
with its port (``$http_host``): a site on a port other than 443 still passes
the CSRF origin check.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import urllib.parse
from dataclasses import dataclass

from pyramid.response import Response
from pyramid.tweens import INGRESS

log = logging.getLogger(__name__)

#: How the request reached the application: ``unix-socket``, ``secret`` or ``direct``.
PATH_KEY = "opalexe.proxy_path"
#: The ``Host`` the request came with, kept once the public URL replaced it.
REQUEST_HOST_KEY = "opalexe.request_host"

#: The header nginx adds with the proxy secret (WSGI key below).
SECRET_HEADER = "X-Opalexe-Proxy-Secret"
SECRET_KEY = "HTTP_X_OPALEXE_PROXY_SECRET"

#: Headers only the proxy may send (WSGI keys).
FORWARDED_KEYS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_BY",
    "HTTP_FORWARDED",
    "HTTP_X_REAL_IP",
)
CLIENT_CERT_KEY = "HTTP_X_SSL_CLIENT_CERT"
CLIENT_VERIFY_KEY = "HTTP_X_SSL_CLIENT_VERIFY"
PROXY_ONLY_KEYS = FORWARDED_KEYS + (CLIENT_CERT_KEY, CLIENT_VERIFY_KEY, SECRET_KEY)


@dataclass(frozen=True)
class ProxyTrust:
    """How nginx proves a request is its own: over the Unix socket, with the
    secret, or both accepted. Neither: nobody's headers are believed."""

    unix_socket: bool = False
    secret: str = ""

    @property
    def configured(self) -> bool:
        return self.unix_socket or bool(self.secret)


def came_over_unix_socket(environ: dict) -> bool:
    """waitress names no peer address on a Unix socket: ``REMOTE_ADDR`` is
    ``localhost`` and ``REMOTE_PORT`` ``None``; a TCP peer always has a
    numeric address and a port."""
    return environ.get("REMOTE_ADDR") == "localhost" and environ.get("REMOTE_PORT") in ("None", "", None)


def _path_of(environ: dict, trust: ProxyTrust) -> str:
    if trust.secret:
        offered = environ.get(SECRET_KEY, "")
        if offered and hmac.compare_digest(offered.encode(), trust.secret.encode()):
            return "secret"
    if trust.unix_socket and came_over_unix_socket(environ):
        return "unix-socket"
    return "direct"


class UntrustedProxyHeaders(Exception):
    """Proxy-only headers reached the application by another path than the proxy's."""

    def __init__(self, names: list[str], peer: str):
        super().__init__(f"proxy-only headers {', '.join(names)} from {peer}, not the proxy's path")
        self.names = names
        self.peer = peer


def _header_name(key: str) -> str:
    if key == SECRET_KEY:
        return f"{SECRET_HEADER} (wrong)"
    return "-".join(part.capitalize() for part in key.removeprefix("HTTP_").split("_"))


def apply_proxy_trust(environ: dict, trust: ProxyTrust) -> None:
    """Believe the proxy headers of ``environ`` (in place) when it came by the
    proxy's path; raise :class:`UntrustedProxyHeaders` when such headers came
    by another. The secret header is removed in every case.

    Idempotent: a request replayed by pyramid_retry carries the environ of the
    first attempt, already decided."""
    if PATH_KEY in environ:
        return
    path = _path_of(environ, trust)
    present = [key for key in PROXY_ONLY_KEYS if key in environ]
    environ.pop(SECRET_KEY, None)
    environ[PATH_KEY] = path
    if path == "direct":
        if present:
            raise UntrustedProxyHeaders([_header_name(key) for key in present], environ.get("REMOTE_ADDR", "?"))
        return
    # nginx sets X-Forwarded-For to the address it saw; with another proxy in
    # front, the rightmost entry is still the one nginx added.
    forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    if forwarded_for:
        environ["REMOTE_ADDR"] = forwarded_for
    scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
    if scheme in ("http", "https"):
        environ["wsgi.url_scheme"] = scheme


_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


@dataclass(frozen=True)
class PublicURL:
    """The address visitors reach the platform at: ``https://opalexe.example.org``,
    or under a path prefix, ``https://example.org/opalexe``.

    ``hostname`` is lower-case, without brackets for IPv6; ``port`` is the
    explicit one or the scheme's; ``prefix`` is ``""`` or ``/segment…``
    without a trailing slash."""

    scheme: str
    hostname: str
    port: int
    prefix: str = ""

    @classmethod
    def parse(cls, value: str) -> PublicURL:
        """ValueError says what is wrong with ``value``."""
        value = value.strip()
        if re.search(r"[\s\x00-\x1f\x7f]", value):
            raise ValueError(f"{value!r} holds a space or a control character")
        parts = urllib.parse.urlsplit(value)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not value.lower().startswith(f"{scheme}://"):
            raise ValueError(f"{value!r} must start with https:// (or http://)")
        if "?" in value or "#" in value:
            raise ValueError(f"{value!r} must hold no query (?…) nor fragment (#…)")
        if "@" in parts.netloc:
            raise ValueError(f"{value!r} must hold no user name nor password")
        hostname = parts.hostname or ""
        if not _is_host_name(hostname):
            raise ValueError(f"{value!r} names no valid host")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError(f"{value!r} has an invalid port") from None
        segments = parts.path.strip("/").split("/") if parts.path.strip("/") else []
        if "//" in parts.path or any(not _PATH_SEGMENT.fullmatch(s) or s in (".", "..") for s in segments):
            raise ValueError(
                f"{value!r}: its path may hold only letters, digits and . _ ~ - between single slashes"
            )
        return cls(scheme, hostname, port, "".join(f"/{segment}" for segment in segments))

    @property
    def host(self) -> str:
        """As a ``Host`` header: the name, with the port unless it is the scheme's own."""
        name = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return name if self.port == _DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}{self.prefix}"


def _is_host_name(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(hostname))
    return True


def apply_public_url(environ: dict, public: PublicURL | None) -> None:
    """Make ``environ`` say ``public``'s scheme, host and prefix, in place;
    nothing without a public URL. The ``Host`` the request came with is kept
    under :data:`REQUEST_HOST_KEY`.

    With a prefix, the proxy may pass the path with it (the shipped
    ``proxy_pass http://opalexe;`` does) or without: a path that starts with
    the prefix loses it. Idempotent, as :func:`apply_proxy_trust`."""
    if public is None or REQUEST_HOST_KEY in environ:
        return
    environ[REQUEST_HOST_KEY] = environ.get("HTTP_HOST", "")
    environ["wsgi.url_scheme"] = public.scheme
    environ["HTTP_HOST"] = public.host
    environ["SERVER_NAME"] = public.hostname
    environ["SERVER_PORT"] = str(public.port)
    if public.prefix:
        path = environ.get("PATH_INFO", "")
        if path == public.prefix or path.startswith(public.prefix + "/"):
            environ["PATH_INFO"] = path[len(public.prefix):]
        environ["SCRIPT_NAME"] = public.prefix


def client_certificate(request) -> str | None:
    """The PEM of the visitor's client certificate, as nginx received it during
    the TLS handshake, or None without one.

    nginx does not verify it (``optional_no_ca``: it knows no card CA); the
    core checks it against the provider's trust store
    (:mod:`opalexe_core.certificates`) before any provider sees it."""
    escaped = request.environ.get(CLIENT_CERT_KEY, "").strip()
    return urllib.parse.unquote(escaped) if escaped else None


REFUSAL = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Requête refusée</title></head>
<body><h1>Requête refusée</h1>
<p>Cette requête porte des en-têtes que seul le serveur frontal de la plateforme peut envoyer.
Passez par l'adresse publique de la plateforme.</p></body></html>
"""


def proxy_trust_tween_factory(handler, registry):
    trust = registry.opalexe.proxy
    public_url = registry.opalexe.public_url
    warned_hosts: set[str] = set()

    def proxy_trust_tween(request):
        try:
            apply_proxy_trust(request.environ, trust)
        except UntrustedProxyHeaders as refused:
            log.warning("refused a request to %s: %s", request.path_info, refused)
            return Response(REFUSAL, status=400, content_type="text/html", charset="utf-8")
        apply_public_url(request.environ, public_url)
        _warn_on_other_host(request.environ, public_url, warned_hosts)
        return handler(request)

    return proxy_trust_tween


def _warn_on_other_host(environ: dict, public_url: PublicURL | None, warned: set[str]) -> None:
    """nginx passes the Host the browser used, with its port: one that is not
    the public URL's means a misconfigured site (forms would fail the CSRF
    origin check). Said once per Host and process."""
    if public_url is None or environ.get(PATH_KEY) == "direct":
        return
    host = (environ.get(REQUEST_HOST_KEY) or "").lower()
    if host and host != public_url.host and host not in warned and len(warned) < 16:
        warned.add(host)
        log.warning("a request came for Host %r, but opalexe.public_url is %s: check nginx's server_name and port",
                    host, public_url)


def includeme(config):
    config.add_tween("opalexe_core.proxy.proxy_trust_tween_factory", under=INGRESS)
