"""Which request headers the platform believes: those nginx set, never those a
visitor could forge.

nginx (``etc/nginx/opalexe.conf``) tells the application who the visitor is:
their address (``X-Forwarded-For``), the scheme they used
(``X-Forwarded-Proto``) and the client certificate of their card
(``X-SSL-Client-Cert``, with nginx's verdict in ``X-SSL-Client-Verify``).
These headers are believed only when the request's peer, the process that
opened the connection to waitress, is one of ``opalexe.trusted_proxies``. From
any other peer they are removed before a view, the security policy or an auth
provider sees the request: a visitor reaching a waitress port directly cannot
pose as a card holder.

This tween is the one place that decides; waitress runs with its own proxy
handling off (``production.ini``) so that ``REMOTE_ADDR`` still names the
peer when the decision is made. Afterwards ``REMOTE_ADDR`` and
``wsgi.url_scheme`` are the visitor's, and the peer is kept under
:data:`PEER_KEY`.

The same tween puts the platform's public address (``opalexe.public_url``,
:class:`PublicURL`) in the request: scheme, host and path prefix. Every URL
the application builds (``request.resource_url``, ``route_url``,
``static_url``, redirects, Pyramid's CSRF origin check) then starts with
it, never with the ``Host`` a visitor sent. Without a public URL
(development, tests) URLs follow the request.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from pyramid.tweens import INGRESS

PEER_KEY = "opalexe.proxy_peer"
#: The ``Host`` the request came with, kept once the public URL replaced it.
REQUEST_HOST_KEY = "opalexe.request_host"

#: Headers only a trusted proxy may send (WSGI keys).
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
PROXY_ONLY_KEYS = FORWARDED_KEYS + (CLIENT_CERT_KEY, CLIENT_VERIFY_KEY)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``127.0.0.1``, ``::1`` or ``10.0.0.0/8`` as networks; ValueError names
    the entry that is neither an address nor a network."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is neither an IP address nor a network") from None
    return tuple(networks)


def is_trusted(peer: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(peer.strip("[]"))
    except ValueError:
        return False  # a Unix socket or an unparsable peer is nobody we know
    return any(address in network for network in trusted)


def apply_proxy_trust(environ: dict, trusted: tuple[Network, ...]) -> None:
    """Believe or drop the proxy headers of ``environ``, in place.

    Idempotent: a request replayed by pyramid_retry carries the environ of the
    first attempt, already decided."""
    if PEER_KEY in environ:
        return
    peer = environ.get("REMOTE_ADDR", "")
    environ[PEER_KEY] = peer
    if not is_trusted(peer, trusted):
        for key in PROXY_ONLY_KEYS:
            environ.pop(key, None)
        return
    # nginx sets X-Forwarded-For to the address it saw; with another proxy in
    # front, the rightmost entry is still the one our trusted proxy added.
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
    """The PEM of the visitor's client certificate, as the trusted proxy
    received it during the TLS handshake, or None without one.

    nginx does not verify it (it knows no card CA): the auth provider that
    accepts it must check the chain against its own CA bundle."""
    escaped = request.environ.get(CLIENT_CERT_KEY, "").strip()
    return urllib.parse.unquote(escaped) if escaped else None


def proxy_trust_tween_factory(handler, registry):
    trusted = registry.opalexe.trusted_proxies
    public_url = registry.opalexe.public_url

    def proxy_trust_tween(request):
        apply_proxy_trust(request.environ, trusted)
        apply_public_url(request.environ, public_url)
        return handler(request)

    return proxy_trust_tween


def includeme(config):
    config.add_tween("opalexe_core.proxy.proxy_trust_tween_factory", under=INGRESS)
