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
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Iterable

from pyramid.tweens import INGRESS

PEER_KEY = "opalexe.proxy_peer"

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


def client_certificate(request) -> str | None:
    """The PEM of the visitor's client certificate, as the trusted proxy
    received it during the TLS handshake, or None without one.

    nginx does not verify it (it knows no card CA): the auth provider that
    accepts it must check the chain against its own CA bundle."""
    escaped = request.environ.get(CLIENT_CERT_KEY, "").strip()
    return urllib.parse.unquote(escaped) if escaped else None


def proxy_trust_tween_factory(handler, registry):
    trusted = registry.opalexe.trusted_proxies

    def proxy_trust_tween(request):
        apply_proxy_trust(request.environ, trusted)
        return handler(request)

    return proxy_trust_tween


def includeme(config):
    config.add_tween("opalexe_core.proxy.proxy_trust_tween_factory", under=INGRESS)
