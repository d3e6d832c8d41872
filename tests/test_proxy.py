"""The platform believes the visitor's address, scheme and card certificate
only when nginx, a trusted proxy, passed them on; from anyone else those
headers are dropped before any view sees them. Its own address comes from
``opalexe.public_url``, never from the ``Host`` a request names."""

from __future__ import annotations

import configparser
import http.client
import urllib.parse

import pytest
import webtest
from cryptography import x509
from pyramid.csrf import get_csrf_token
from pyramid.response import Response

from opalexe_core.api import PUBLIC, hookimpl
from opalexe_core.proxy import (
    PEER_KEY,
    REQUEST_HOST_KEY,
    PublicURL,
    apply_proxy_trust,
    apply_public_url,
    client_certificate,
    parse_networks,
)
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.nginx import https_get, request
from pytest_opalexe.web import browser_client, close_app, file_storage_uri, make_app, running_app
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


class FormPage:
    """A plugin page with a form: its CSRF token, and where it posts."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("test_form_token", "/test/jeton")
        config.add_view(lambda request: Response(get_csrf_token(request)), route_name="test_form_token",
                        permission=PUBLIC)
        config.add_route("test_form", "/test/formulaire")
        config.add_view(lambda request: Response("reçu"), route_name="test_form", request_method="POST",
                        permission=PUBLIC)


def build_app(tmp_path, trusted: str, **settings):
    settings = settings_for(file_storage_uri(tmp_path / "var"), **{"opalexe.trusted_proxies": trusted}, **settings)
    return make_app(settings, plugins={"visitor-echo": VisitorEcho(), "form-page": FormPage()})


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


# -- the public URL ----------------------------------------------------------------------------

PUBLIC_URL = "https://opalexe.example.org"
#: A Host a visitor may send; the proxy's own X-Forwarded-Host is cleared by nginx anyway.
FORGED_HOST = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def public_app(tmp_path):
    application = build_app(tmp_path, "127.0.0.1", **{"opalexe.public_url": PUBLIC_URL})
    yield application
    close_app(application)


@pytest.mark.parametrize("peer", ["203.0.113.9", "127.0.0.1"])
def test_links_and_redirects_name_the_public_url_whatever_host_a_request_names(public_app, peer):
    page = visit(public_app, peer, FORGED_HOST, "/connexion")
    to_login = visit(public_app, peer, FORGED_HOST, "/comptes/")
    back = visit(public_app, peer, FORGED_HOST, "/langue?code=en&retour=/connexion")

    assert f'href="{PUBLIC_URL}/"' in page.text  # resource_url
    assert f'href="{PUBLIC_URL}/static/opalexe.css"' in page.text  # static_url
    assert "evil.example" not in page.text
    assert to_login.status_int == 302 and to_login.location == f"{PUBLIC_URL}/connexion"
    assert back.status_int == 302 and back.location == f"{PUBLIC_URL}/connexion"  # a path made absolute


def test_the_application_still_knows_the_host_a_request_named(public_app):
    seen = visit(public_app, "203.0.113.9", FORGED_HOST, "/test/visiteur")

    assert seen.json["scheme"] == "https"
    assert seen.request.environ[REQUEST_HOST_KEY] == "evil.example"


@pytest.mark.parametrize("path", ["/juridique/opalexe/connexion", "/connexion"])
def test_under_a_path_prefix_the_platform_answers_with_or_without_it(tmp_path, path):
    """nginx may pass the prefix on (``proxy_pass http://opalexe;``) or strip it."""
    with running_app(settings_for(file_storage_uri(tmp_path / "var"),
                                  **{"opalexe.public_url": "https://example.org/juridique/opalexe/"})) as app:
        page = browser_client(app).get(path)
        to_login = browser_client(app).get("/juridique/opalexe/comptes/")

    assert 'href="https://example.org/juridique/opalexe/"' in page.text
    assert 'href="https://example.org/juridique/opalexe/static/opalexe.css"' in page.text
    assert "retour=%2Fjuridique%2Fopalexe%2Fconnexion" in page.text  # the language switch comes back here
    assert to_login.location == "https://example.org/juridique/opalexe/connexion"


def test_deciding_the_public_url_twice_strips_the_prefix_once():
    """pyramid_retry replays a request with the environ of its first attempt."""
    environ = {"HTTP_HOST": "evil.example", "PATH_INFO": "/opalexe/opalexe/x", "SCRIPT_NAME": "",
               "wsgi.url_scheme": "http"}
    public_url = PublicURL.parse("https://example.org/opalexe")

    apply_public_url(environ, public_url)
    apply_public_url(environ, public_url)

    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/opalexe", "/opalexe/x")
    assert (environ["wsgi.url_scheme"], environ["HTTP_HOST"]) == ("https", "example.org")


def form_client(app, host: str) -> webtest.TestApp:
    """A visitor's browser on ``host``, holding a session and its form token."""
    client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "203.0.113.9", "HTTP_HOST": host})
    client.token = client.get("/test/jeton").text
    return client


def post_form(client, **headers):
    return client.post("/test/formulaire", {"csrf_token": client.token}, headers=headers, expect_errors=True)


def test_a_form_posted_from_the_public_origin_is_accepted(public_app):
    client = form_client(public_app, "opalexe.example.org")

    assert post_form(client, Origin=PUBLIC_URL).text == "reçu"
    assert post_form(client, Referer=f"{PUBLIC_URL}/test/jeton").text == "reçu"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://opalexe.example.org", "null"])
def test_a_form_posted_from_another_origin_is_refused_even_to_the_host_it_names(public_app, origin):
    # The attacker's page posts to the platform under the attacker's own Host:
    # the origin matches that Host, but not the public URL.
    client = form_client(public_app, "evil.example")

    refused = post_form(client, Origin=origin)

    assert refused.status_int == 400
    assert "Formulaire expiré" in refused.text


def test_a_form_posted_without_origin_nor_referer_is_refused(public_app):
    refused = post_form(form_client(public_app, "opalexe.example.org"))

    assert refused.status_int == 400
    assert "Formulaire expiré" in refused.text


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
