"""The platform believes the visitor's address, scheme and card certificate
only when nginx, a trusted proxy, passed them on; from anyone else those
headers are dropped before any view sees them."""

from __future__ import annotations

import configparser
import http.client
import urllib.parse

import pytest
from cryptography import x509

from opalexe_core.api import PUBLIC, hookimpl
from opalexe_core.proxy import PEER_KEY, apply_proxy_trust, client_certificate, parse_networks
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.nginx import https_get, request
from pytest_opalexe.web import browser_client, close_app, file_storage_uri, make_app
from pytest_opalexe.web import test_settings as settings_for

REPO_ROOT = checkout_root()

FORGED_PEM = "-----BEGIN CERTIFICATE-----\nforged\n-----END CERTIFICATE-----\n"
FORGED = {
    "X-SSL-Client-Cert": urllib.parse.quote(FORGED_PEM),
    "X-SSL-Client-Verify": "SUCCESS",
    "X-Forwarded-For": "198.51.100.23",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "Forwarded": "for=198.51.100.23;proto=https",
    "X-Real-IP": "198.51.100.23",
}


class VisitorEcho:
    """A plugin page telling what the application believes of its visitor."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        def visitor(request):
            return {
                "address": request.remote_addr,
                "scheme": request.scheme,
                "certificate": client_certificate(request),
                "verify": request.headers.get("X-SSL-Client-Verify"),
                "peer": request.environ[PEER_KEY],
                "proxy_headers": sorted(name for name in FORGED if name in request.headers),
            }

        config.add_route("test_visitor", "/test/visiteur")
        config.add_view(visitor, route_name="test_visitor", renderer="json", permission=PUBLIC)


def build_app(tmp_path, trusted: str):
    settings = settings_for(file_storage_uri(tmp_path / "var"), **{"opalexe.trusted_proxies": trusted})
    return make_app(settings, plugins={"visitor-echo": VisitorEcho()})


@pytest.fixture
def app(tmp_path):
    application = build_app(tmp_path, "127.0.0.1 10.0.0.0/8")
    yield application
    close_app(application)


def visit(app, peer: str, headers: dict, path: str = "/test/visiteur"):
    client = browser_client(app)
    return client.get(path, headers=headers, extra_environ={"REMOTE_ADDR": peer})


def test_a_visitor_s_forged_proxy_headers_are_dropped(app):
    seen = visit(app, "203.0.113.9", FORGED).json

    assert seen["certificate"] is None
    assert seen["verify"] is None
    assert seen["proxy_headers"] == []
    assert seen["address"] == "203.0.113.9"
    assert seen["scheme"] == "http"


def test_the_trusted_proxy_s_headers_are_believed(app):
    seen = visit(app, "127.0.0.1", FORGED).json

    assert seen["certificate"] == FORGED_PEM
    assert seen["verify"] == "SUCCESS"
    assert seen["address"] == "198.51.100.23"
    assert seen["scheme"] == "https"
    assert seen["peer"] == "127.0.0.1"


def test_a_proxy_in_a_trusted_network_is_believed(app):
    seen = visit(app, "10.20.30.40", {"X-Forwarded-For": "192.0.2.1, 198.51.100.23"}).json

    # The rightmost address is the one our proxy added; the rest came from the visitor.
    assert seen["address"] == "198.51.100.23"


def test_with_no_trusted_proxy_even_localhost_is_not_believed(tmp_path):
    app = build_app(tmp_path, "")
    try:
        seen = visit(app, "127.0.0.1", FORGED).json
    finally:
        close_app(app)

    assert seen["certificate"] is None
    assert seen["address"] == "127.0.0.1"
    assert seen["proxy_headers"] == []


def test_pages_link_in_https_behind_the_proxy_and_ignore_a_visitor_s_claim(app):
    claim = {"Host": "opalexe.example.org", "X-Forwarded-Proto": "https"}
    behind_proxy = visit(app, "127.0.0.1", claim, "/connexion")
    forged = visit(app, "203.0.113.9", claim, "/connexion")

    assert 'href="https://opalexe.example.org/"' in behind_proxy.text
    assert 'href="http://opalexe.example.org/"' in forged.text
    assert "https://" not in forged.text


def test_deciding_twice_keeps_the_first_decision():
    """pyramid_retry replays a request with the environ of its first attempt."""
    trusted = parse_networks(["127.0.0.1"])
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.23", "HTTP_X_SSL_CLIENT_CERT": "x"}

    apply_proxy_trust(environ, trusted)
    apply_proxy_trust(environ, trusted)

    assert environ["REMOTE_ADDR"] == "198.51.100.23"
    assert environ["HTTP_X_SSL_CLIENT_CERT"] == "x"
    assert environ[PEER_KEY] == "127.0.0.1"


def test_production_waitress_leaves_the_decision_to_the_application():
    """waitress's own proxy handling would replace REMOTE_ADDR before the
    application can tell whether nginx is the peer."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(REPO_ROOT / "production.ini")
    server = ini["server:main"]

    assert "trusted_proxy" not in server
    assert server.get("clear_untrusted_proxy_headers") == "false"
    assert ini["app:main"]["opalexe.trusted_proxies"].split() == ["127.0.0.1"]


# -- behind the shipped nginx configuration -----------------------------------------------


@pytest.fixture(scope="module")
def platform_behind_nginx(tmp_path_factory, nginx_in_front):
    """The platform served as production.ini serves it, behind nginx."""
    app = build_app(tmp_path_factory.mktemp("platform"), "127.0.0.1")
    try:
        with LiveServer(app, threads=2, clear_untrusted_proxy_headers=False) as server:
            yield server, nginx_in_front(server.port)
    finally:
        close_app(app)


def test_behind_nginx_the_card_reaches_the_platform(platform_behind_nginx, nginx_certificates):
    _, site = platform_behind_nginx

    seen = https_get(site, nginx_certificates, "/test/visiteur", card=True, headers=list(FORGED.items())).json()

    assert x509.load_pem_x509_certificate(seen["certificate"].encode()) == nginx_certificates.card.cert
    assert seen["verify"].startswith("FAILED")  # nginx knows no card CA: the auth provider checks
    assert seen["scheme"] == "https"
    assert seen["address"] == "127.0.0.1"


def test_a_visitor_reaching_waitress_directly_cannot_pose_as_a_card_holder(platform_behind_nginx):
    server, _ = platform_behind_nginx
    # 127.0.0.2 is loopback too, but not the trusted proxy's address.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10, source_address=("127.0.0.2", 0))

    seen = request(connection, "/test/visiteur", list(FORGED.items())).json()

    assert seen["certificate"] is None
    assert seen["verify"] is None
    assert seen["address"] == "127.0.0.2"
    assert seen["proxy_headers"] == []
