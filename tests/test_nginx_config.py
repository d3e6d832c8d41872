"""The shipped nginx configuration (etc/nginx/opalexe.conf) is valid, answers
only for its server name, and in front of the application it hands over the
client certificate and the forwarded headers, never the ones a client forges.

The very file is used: its paths, ports and upstream servers are rewritten to
throwaway ones by ``pytest_opalexe.nginx`` (a CA, certificates and
folders in temp dirs, free ports; here a tiny echo application served by
``LiveServer``), then Debian's nginx checks it with ``nginx -t`` and serves it.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse

import pytest
from cryptography import x509

from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.nginx import SERVER_NAME, SiteConnection, https_get, request
from pytest_opalexe.ports import LOOPBACK

FORGED = "-----BEGIN%20CERTIFICATE-----%0Aforged%0A-----END%20CERTIFICATE-----%0A"


# -- the application behind it: echoes the request headers --------------------------


def echo_app(environ, start_response):
    headers = {key: value for key, value in environ.items() if key.startswith("HTTP_")}
    body = json.dumps(headers).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def certificates(nginx_certificates):
    return nginx_certificates


@pytest.fixture(scope="module")
def site(tmp_path_factory, nginx_in_front):
    """nginx with the shipped configuration, in front of the echo app."""
    srv_dir = tmp_path_factory.mktemp("srv")
    (srv_dir / "static").mkdir()
    (srv_dir / "static" / "probe.css").write_text("body { color: black; }\n")
    (srv_dir / "deform-static").mkdir()
    # waitress drops X-Forwarded-* from peers it does not trust; the echo must
    # show what nginx sent, so this server keeps every header as received.
    with LiveServer(echo_app, threads=2, clear_untrusted_proxy_headers=False) as echo:
        yield nginx_in_front(echo.port, srv_dir)


# -- the stories ------------------------------------------------------------------------


def test_nginx_accepts_the_shipped_configuration(site):
    checked = site.check()
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_client_certificate_reaches_the_app_as_escaped_pem(site, certificates):
    echoed = https_get(site, certificates, card=True).json()

    pem = urllib.parse.unquote(echoed["HTTP_X_SSL_CLIENT_CERT"])
    assert x509.load_pem_x509_certificate(pem.encode()) == certificates.card.cert
    # nginx knows no card CA: it never vouches for a card, the application checks.
    assert echoed["HTTP_X_SSL_CLIENT_VERIFY"].startswith("FAILED")
    assert echoed["HTTP_X_FORWARDED_PROTO"] == "https"
    assert echoed["HTTP_X_FORWARDED_FOR"] == LOOPBACK
    # The Host the client asked for, with its port: a site on another port than
    # 443 passes the application's CSRF origin check.
    assert echoed["HTTP_HOST"] == f"{SERVER_NAME}:{site.https_port}"


def test_a_forged_certificate_header_is_replaced_by_the_real_one(site, certificates):
    forged = [("X-SSL-Client-Cert", FORGED), ("X-SSL-Client-Verify", "SUCCESS")]

    echoed = https_get(site, certificates, card=True, headers=forged).json()

    pem = urllib.parse.unquote(echoed["HTTP_X_SSL_CLIENT_CERT"])
    assert x509.load_pem_x509_certificate(pem.encode()) == certificates.card.cert
    assert echoed["HTTP_X_SSL_CLIENT_VERIFY"] != "SUCCESS"


def test_without_a_card_a_forged_certificate_header_is_dropped(site, certificates):
    forged = [
        ("X-SSL-Client-Cert", FORGED),
        ("X_SSL_Client_Cert", FORGED),  # the same WSGI key, spelled with underscores
        ("X-SSL-Client-Verify", "SUCCESS"),
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "for=203.0.113.7;proto=http"),
        ("X-Opalexe-Proxy-Secret", "guessed"),
    ]

    echoed = https_get(site, certificates, card=False, headers=forged).json()

    assert echoed.get("HTTP_X_SSL_CLIENT_CERT", "") == ""
    assert echoed["HTTP_X_SSL_CLIENT_VERIFY"] == "NONE"
    assert echoed["HTTP_X_FORWARDED_FOR"] == LOOPBACK
    assert echoed["HTTP_X_FORWARDED_PROTO"] == "https"
    assert echoed.get("HTTP_X_FORWARDED_HOST", "") == ""
    assert echoed.get("HTTP_FORWARDED", "") == ""
    assert echoed.get("HTTP_X_OPALEXE_PROXY_SECRET", "") == ""


def test_every_answer_carries_the_security_headers(site, certificates):
    for path in ("/", "/static/probe.css", "/static/missing.css"):
        headers = https_get(site, certificates, path, card=False).headers
        assert headers["Strict-Transport-Security"].startswith("max-age="), path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["Referrer-Policy"] == "same-origin", path


def test_static_files_are_served_by_nginx(site, certificates):
    answer = https_get(site, certificates, "/static/probe.css", card=False)

    assert answer.status == 200
    assert answer.body == b"body { color: black; }\n"
    assert answer.headers["Content-Type"] == "text/css"
    assert "max-age=3600" in answer.headers["Cache-Control"]


def test_plain_http_is_redirected_to_https(site):
    connection = http.client.HTTPConnection(LOOPBACK, site.http_port, timeout=10)
    answer = request(connection, "/comptes/?x=1", [("Host", "opalexe.example.org")])

    assert answer.status == 301
    assert answer.headers["Location"] == "https://opalexe.example.org/comptes/?x=1"


# -- only the configured name -------------------------------------------------------------


def test_the_configured_name_is_served_over_https(site, certificates):
    assert https_get(site, certificates, card=False).status == 200


@pytest.mark.parametrize("name", ["evil.example", LOOPBACK])  # another name, or none: a client dialling the address
def test_the_tls_handshake_is_refused_to_another_name(site, certificates, name):
    # A client that would take any certificate: only nginx may say no here.
    context = ssl.create_default_context(cafile=str(certificates.server_ca))
    context.check_hostname = False

    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
        request(SiteConnection(name, site.https_port, context), "/")


def test_another_host_under_the_site_s_tls_name_gets_no_answer(site, certificates):
    with pytest.raises(http.client.RemoteDisconnected):
        https_get(site, certificates, card=False, headers=[("Host", "evil.example")])


@pytest.mark.parametrize("host", ["evil.example", LOOPBACK])
def test_another_host_over_plain_http_gets_no_answer(site, host):
    connection = http.client.HTTPConnection(LOOPBACK, site.http_port, timeout=10)

    with pytest.raises(http.client.RemoteDisconnected):
        request(connection, "/comptes/", [("Host", host)])


# -- login attempts ---------------------------------------------------------------------------


def test_login_attempts_beyond_the_burst_get_429(site, certificates):
    """20 a minute per address with a burst of 10: a quick series of
    attempts is cut short; the other pages are not counted."""
    statuses = [https_get(site, certificates, "/authentification/certeurope", card=False).status for _ in range(14)]

    assert statuses[:10] == [200] * 10
    assert 429 in statuses[10:]
    assert https_get(site, certificates, "/connexion", card=False).status == 200
