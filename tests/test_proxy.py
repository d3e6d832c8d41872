"""The platform believes the visitor's address, scheme and card certificate
only when nginx passed them on by the path nobody else can take: its Unix
socket, or with its secret. From anywhere else a request carrying those
headers is refused and logged. Its own address comes from
``opalexe.public_url``, never from the ``Host`` a request names; without one,
from the ``Host`` nginx passes with its port."""

from __future__ import annotations

import configparser
import http.client
import logging
import urllib.parse

import pytest
import webtest
from cryptography import x509
from pyramid.csrf import get_csrf_token
from pyramid.response import Response

from opalexe_core.api import PUBLIC, hookimpl
from opalexe_core.proxy import (
    PATH_KEY,
    REQUEST_HOST_KEY,
    ProxyTrust,
    PublicURL,
    UntrustedProxyHeaders,
    apply_proxy_trust,
    apply_public_url,
    client_certificate,
)
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.nginx import SERVER_NAME, https_connection, https_get, request
from pytest_opalexe.web import browser_client, close_app, file_storage_uri, make_app, running_app
from pytest_opalexe.web import test_settings as settings_for

REPO_ROOT = checkout_root()
SECRET = "5f0c8e1d2a7b4936c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"

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
#: What waitress puts in the environ of a request that came over its Unix socket.
OVER_SOCKET = {"REMOTE_ADDR": "localhost", "REMOTE_PORT": "None"}


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
                "path": request.environ[PATH_KEY],
                "host": request.host,
                "proxy_headers": sorted(name for name in FORGED if name in request.headers),
                "secret_seen": "X-Opalexe-Proxy-Secret" in request.headers,
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


def build_app(tmp_path, *, unix_socket: bool = True, secret: str = "", **settings):
    settings = settings_for(file_storage_uri(tmp_path / "var"), **{"opalexe.proxy.unix_socket": str(unix_socket),
                                                                  "opalexe.proxy.secret": secret}, **settings)
    return make_app(settings, plugins={"visitor-echo": VisitorEcho(), "form-page": FormPage()})


@pytest.fixture
def app(tmp_path):
    application = build_app(tmp_path, secret=SECRET)
    yield application
    close_app(application)


def visit(app, environ: dict, headers: dict, path: str = "/test/visiteur", **kw):
    client = browser_client(app)
    return client.get(path, headers=headers, extra_environ=environ, **kw)


def tcp(peer: str) -> dict:
    return {"REMOTE_ADDR": peer, "REMOTE_PORT": "40000"}


@pytest.mark.parametrize("peer", ["203.0.113.9", "127.0.0.1"])  # a visitor, or a process of the host
def test_proxy_headers_sent_by_another_path_are_refused_and_logged(app, caplog, peer):
    caplog.set_level(logging.WARNING, "opalexe_core.proxy")

    refused = visit(app, tcp(peer), {"X-SSL-Client-Cert": FORGED["X-SSL-Client-Cert"]}, expect_errors=True)

    assert refused.status_int == 400
    assert "Requête refusée" in refused.text and "seul le serveur frontal" in refused.text
    [record] = [r for r in caplog.records if r.name == "opalexe_core.proxy"]
    assert "X-Ssl-Client-Cert" in record.getMessage() and peer in record.getMessage()


@pytest.mark.parametrize("header", sorted(FORGED))
def test_each_proxy_header_alone_is_refused_by_another_path(app, header):
    assert visit(app, tcp("127.0.0.1"), {header: FORGED[header]}, expect_errors=True).status_int == 400


def test_a_request_without_proxy_headers_is_served_by_any_path(app):
    seen = visit(app, tcp("203.0.113.9"), {}).json

    assert (seen["address"], seen["scheme"], seen["path"]) == ("203.0.113.9", "http", "direct")
    assert seen["certificate"] is None


def test_over_the_unix_socket_nginx_s_headers_are_believed(app):
    seen = visit(app, OVER_SOCKET, FORGED).json

    assert seen["certificate"] == FORGED_PEM
    assert seen["verify"] == "SUCCESS"
    assert seen["address"] == "198.51.100.23"
    assert seen["scheme"] == "https"
    assert seen["path"] == "unix-socket"


def test_with_the_secret_nginx_s_headers_are_believed_and_the_secret_goes_no_further(app):
    seen = visit(app, tcp("10.20.30.40"), {**FORGED, "X-Opalexe-Proxy-Secret": SECRET}).json

    assert seen["certificate"] == FORGED_PEM
    assert seen["path"] == "secret"
    assert seen["secret_seen"] is False


def test_a_wrong_secret_is_refused_and_logged(app, caplog):
    caplog.set_level(logging.WARNING, "opalexe_core.proxy")

    refused = visit(app, tcp("10.20.30.40"), {**FORGED, "X-Opalexe-Proxy-Secret": SECRET[:-1] + "0"},
                    expect_errors=True)

    assert refused.status_int == 400
    assert any("X-Opalexe-Proxy-Secret" in r.getMessage() for r in caplog.records)


def test_the_rightmost_forwarded_address_is_the_one_nginx_added(app):
    seen = visit(app, OVER_SOCKET, {"X-Forwarded-For": "192.0.2.1, 198.51.100.23"}).json

    assert seen["address"] == "198.51.100.23"


def test_without_a_configured_path_even_the_socket_is_not_believed(tmp_path):
    with running_app(settings_for(file_storage_uri(tmp_path / "var"))) as application:
        refused = visit(application, OVER_SOCKET, FORGED, path="/", expect_errors=True)

    assert refused.status_int == 400


def test_pages_link_in_https_behind_the_proxy(app):
    behind_proxy = visit(app, OVER_SOCKET, {"Host": "opalexe.example.org", "X-Forwarded-Proto": "https"},
                         "/connexion")
    direct = visit(app, tcp("203.0.113.9"), {"Host": "opalexe.example.org"}, "/connexion")

    assert 'href="https://opalexe.example.org/"' in behind_proxy.text
    assert 'href="http://opalexe.example.org/"' in direct.text
    assert "https://" not in direct.text


def test_deciding_twice_keeps_the_first_decision():
    """pyramid_retry replays a request with the environ of its first attempt."""
    trust = ProxyTrust(unix_socket=True)
    environ = {**OVER_SOCKET, "HTTP_X_FORWARDED_FOR": "198.51.100.23", "HTTP_X_SSL_CLIENT_CERT": "x"}

    apply_proxy_trust(environ, trust)
    apply_proxy_trust(environ, trust)

    assert environ["REMOTE_ADDR"] == "198.51.100.23"
    assert environ["HTTP_X_SSL_CLIENT_CERT"] == "x"
    assert environ[PATH_KEY] == "unix-socket"


def test_a_tcp_peer_named_localhost_has_a_port_and_is_not_the_socket():
    with pytest.raises(UntrustedProxyHeaders):
        apply_proxy_trust({"REMOTE_ADDR": "localhost", "REMOTE_PORT": "5555", "HTTP_X_SSL_CLIENT_CERT": "x"},
                          ProxyTrust(unix_socket=True))


def test_production_believes_nginx_over_its_socket_and_waitress_decides_nothing():
    """waitress's own proxy handling would rewrite the environ before the
    application can tell how the request came."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(REPO_ROOT / "production.ini")
    server = ini["server:main"]

    assert "trusted_proxy" not in server
    assert server.get("clear_untrusted_proxy_headers") == "false"
    assert ini["app:main"]["opalexe.proxy.unix_socket"] == "true"
    assert "opalexe.trusted_proxies" not in ini["app:main"]


# -- the public URL ----------------------------------------------------------------------------

PUBLIC_URL = "https://opalexe.example.org"
#: A Host a visitor may send; the proxy's own X-Forwarded-Host is cleared by nginx anyway.
FORGED_HOST = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def public_app(tmp_path):
    application = build_app(tmp_path, **{"opalexe.public_url": PUBLIC_URL})
    yield application
    close_app(application)


@pytest.mark.parametrize("environ", [tcp("203.0.113.9"), OVER_SOCKET], ids=["direct", "nginx"])
def test_links_and_redirects_name_the_public_url_whatever_host_a_request_names(public_app, environ):
    headers = FORGED_HOST if environ is OVER_SOCKET else {"Host": "evil.example"}
    page = visit(public_app, environ, headers, "/connexion")
    to_login = visit(public_app, environ, headers, "/comptes/")
    back = visit(public_app, environ, headers, "/langue?code=en&retour=/connexion")

    assert f'href="{PUBLIC_URL}/"' in page.text  # resource_url
    assert f'href="{PUBLIC_URL}/static/opalexe.css"' in page.text  # static_url
    assert "evil.example" not in page.text
    assert to_login.status_int == 302 and to_login.location == f"{PUBLIC_URL}/connexion"
    assert back.status_int == 302 and back.location == f"{PUBLIC_URL}/connexion"  # a path made absolute


def test_the_application_still_knows_the_host_a_request_named(public_app):
    seen = visit(public_app, OVER_SOCKET, FORGED_HOST, "/test/visiteur")

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
    """The platform served as production.ini serves it, behind nginx over a
    Unix socket; the same application also listens on a TCP port, as a
    process of the host could reach a misconfigured one."""
    folder = tmp_path_factory.mktemp("platform")
    app = build_app(folder)
    try:
        with LiveServer(app, threads=2, unix_socket=folder / "opalexe.sock",
                        clear_untrusted_proxy_headers=False) as over_socket:
            with LiveServer(app, threads=2, clear_untrusted_proxy_headers=False) as over_tcp:
                yield over_tcp, nginx_in_front(over_socket.unix_socket)
    finally:
        close_app(app)


def test_behind_nginx_the_card_reaches_the_platform(platform_behind_nginx, nginx_certificates):
    _, site = platform_behind_nginx

    seen = https_get(site, nginx_certificates, "/test/visiteur", card=True, headers=list(FORGED.items())).json()

    assert x509.load_pem_x509_certificate(seen["certificate"].encode()) == nginx_certificates.card.cert
    assert seen["verify"].startswith("FAILED")  # nginx knows no card CA: the core checks
    assert seen["scheme"] == "https"
    assert seen["address"] == "127.0.0.1"
    assert seen["path"] == "unix-socket"
    assert seen["host"] == f"{SERVER_NAME}:{site.https_port}"  # with the port the visitor used


def test_a_process_of_the_host_sending_a_certificate_header_is_refused_and_logged(platform_behind_nginx, caplog):
    over_tcp, _ = platform_behind_nginx
    caplog.set_level(logging.WARNING, "opalexe_core.proxy")
    connection = http.client.HTTPConnection("127.0.0.1", over_tcp.port, timeout=10)

    answer = request(connection, "/test/visiteur", [("X-SSL-Client-Cert", FORGED["X-SSL-Client-Cert"])])

    assert answer.status == 400
    assert any("X-Ssl-Client-Cert" in r.getMessage() for r in caplog.records)


def test_a_form_posted_to_a_site_on_another_port_passes_the_origin_check(platform_behind_nginx, nginx_certificates):
    """No public URL: the origin check compares with the Host nginx passes,
    which keeps the port of a site that is not on 443."""
    _, site = platform_behind_nginx
    token_answer = https_get(site, nginx_certificates, "/test/jeton", card=False)
    cookie = token_answer.headers["Set-Cookie"].split(";")[0]
    origin = f"https://{SERVER_NAME}:{site.https_port}"
    form = [("Origin", origin), ("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")]
    body = urllib.parse.urlencode({"csrf_token": token_answer.body.decode()}).encode()

    accepted = request(https_connection(site, nginx_certificates), "/test/formulaire", form, method="POST", body=body)
    elsewhere = request(https_connection(site, nginx_certificates), "/test/formulaire",
                        [("Origin", f"https://{SERVER_NAME}"), *form[1:]], method="POST", body=body)

    assert accepted.status == 200 and accepted.body.decode() == "reçu"
    assert elsewhere.status == 400
