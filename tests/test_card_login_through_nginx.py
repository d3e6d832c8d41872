"""Card and key logins for real: the shipped nginx configuration ends TLS on a
loopback port, asks for a client certificate (``optional_no_ca``) and
forwards it over the application's Unix socket; the core checks it against
one throwaway CA per provider (the kit's ``card_authorities``), the ministry's
directory is a real slapd. A process of the host that sends a certificate
header to the application by another way is refused, and logged.

The three provider plugins are installed beside the core (``make venv``);
this test loads them by name, as a host would."""

from __future__ import annotations

import datetime
import http.client
import logging
import re
import urllib.parse

import pytest

from opalexe_core.resources.root import get_root  # noqa: F401  (the platform, through platform_of)
from pytest_opalexe.ldap import agent_entry, court_entry
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.nginx import SERVER_NAME, https_connection, request
from pytest_opalexe.web import close_app, file_storage_uri, make_app, platform_of
from pytest_opalexe.web import test_settings as settings_for

pytestmark = pytest.mark.slow
NOW = datetime.datetime.now(datetime.UTC)
DIRECTORY = (agent_entry("hdurand", "Hélène", "DURAND", role="magistrat", court="tj-angers",
                         mail="helene.durand@justice.fr")
             + court_entry("tj-angers", "Tribunal judiciaire d'Angers", "expertises.tj-angers@justice.fr"))


class Browser:
    """A visitor's browser on the site: its card, its cookies, forms posted
    from the site's origin (with the port: the site is not on 443)."""

    def __init__(self, site, certificates, card=None):
        self.site, self.certificates, self.card = site, certificates, card
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{SERVER_NAME}:{site.https_port}"

    def _send(self, method, path, fields=None):
        client = (self.card.chain_path, self.card.key_path) if self.card is not None else None
        headers = [("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))] if self.cookies else []
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers += [("Origin", self.origin), ("Content-Type", "application/x-www-form-urlencoded")]
        answer = request(https_connection(self.site, self.certificates, client=client), path, headers,
                         method=method, body=body)
        for cookie in answer.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";")[0].partition("=")
            if value and "Max-Age=0" not in cookie:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return answer

    def get(self, path):
        return self._send("GET", path)

    def follow(self, answer, limit=5):
        while answer.status in (301, 302, 303) and limit:
            location = urllib.parse.urlsplit(answer.headers["Location"])
            answer = self.get(location.path + (f"?{location.query}" if location.query else ""))
            limit -= 1
        return answer

    def post(self, path, fields):
        return self._send("POST", path, fields)

    def token(self, page) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', page.body.decode()).group(1)

    def card_login(self, page_path):
        page = self.get(page_path)
        assert page.status == 200, page.body
        login_path = urllib.parse.urlsplit(re.search(r'<form method="post" action="([^"]+)"',
                                                     page.body.decode()).group(1)).path
        return self.post(login_path, {"csrf_token": self.token(page)})


@pytest.fixture(scope="module")
def stack(tmp_path_factory, nginx_in_front, card_authorities):
    from pytest_opalexe.ldap import Slapd

    folder = tmp_path_factory.mktemp("cards")
    directory = Slapd(folder / "slapd", DIRECTORY).start()
    settings = settings_for(file_storage_uri(folder / "var"),
                            plugins=("auth_demo", "auth_certeurope", "auth_justice", "auth_rpva"),
                            **card_authorities.settings(), **directory.settings(),
                            **{"opalexe.proxy.unix_socket": "true"})
    app = make_app(settings)
    try:
        with LiveServer(app, threads=4, unix_socket=folder / "opalexe.sock",
                        clear_untrusted_proxy_headers=False) as over_socket:
            with LiveServer(app, threads=2, clear_untrusted_proxy_headers=False) as over_tcp:
                yield app, nginx_in_front(over_socket.unix_socket), over_tcp
    finally:
        close_app(app)
        directory.stop()


def test_a_valid_expert_card_logs_in_and_registers(stack, nginx_certificates, card_authorities):
    app, site, _ = stack
    card = card_authorities.certeurope.issue({"cn": "Marc LEBLANC", "given_name": "Marc", "surname": "LEBLANC"})
    browser = Browser(site, nginx_certificates, card)

    form = browser.follow(browser.card_login("/connexion/carte-expert"))
    assert "Formulaire d'inscription" in form.body.decode() and "CN=Marc LEBLANC" in form.body.decode()
    answer = browser.post("/inscription", [
        ("csrf_token", browser.token(form)), ("first_name", "Marc"), ("last_name", "Leblanc"),
        ("email", "marc.leblanc@experts.example"), ("landline", ""), ("mobile", "06 00 00 00 01"),
        ("postal_address", "1 place du Ralliement, 49000 Angers"), ("country", "FR"),
        ("court_of_appeal", "ca-angers"), ("__start__", "specialities:sequence"), ("checkbox", "C.2"),
        ("__end__", "specialities:sequence"), ("cassation_approved", "oui")])
    home = browser.follow(answer)

    assert "Mes expertises" in home.body.decode() and "Marc LEBLANC" in home.body.decode()
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email("marc.leblanc@experts.example")
        assert account.profile == "expert" and account.registration["specialities"] == ["C.2"]


def test_a_valid_agent_card_logs_in_with_its_role_from_the_directory(stack, nginx_certificates, card_authorities):
    app, site, _ = stack
    card = card_authorities.justice.issue({"cn": "Hélène DURAND", "uid": "hdurand"})
    browser = Browser(site, nginx_certificates, card)

    form = browser.follow(browser.card_login("/connexion/carte-agent"))
    browser.follow(browser.post("/inscription", {"csrf_token": browser.token(form), "first_name": "Hélène",
                                                 "last_name": "Durand", "email": "helene.durand@justice.fr"}))

    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email("helene.durand@justice.fr")
        assert account.profile == "magistrat"
        assert account.identity_facts["structural_email"] == "expertises.tj-angers@justice.fr"


def test_a_lawyer_key_logs_in_and_appears_in_the_annuaire(stack, nginx_certificates, card_authorities):
    app, site, _ = stack
    key = card_authorities.rpva.issue({"cn": "Anne MOREAU", "organizational_unit": "Barreau d'Angers"})
    browser = Browser(site, nginx_certificates, key)

    form = browser.follow(browser.card_login("/connexion/cle-avocat"))
    browser.follow(browser.post("/inscription", {"csrf_token": browser.token(form), "first_name": "Anne",
                                                 "last_name": "Moreau", "email": "a.moreau@avocats.example",
                                                 "postal_address": "2 rue Plantagenêt, 49000 Angers",
                                                 "country": "FR"}))

    with platform_of(app) as platform:
        [entry] = platform.root.lawyers.search("moreau")
        assert entry.bar == "Barreau d'Angers"


@pytest.mark.parametrize(("make", "message"), [
    (lambda ca: ca.certeurope.issue({"cn": "Vieux EXPERT"}, not_before=NOW - datetime.timedelta(days=800),
                                    not_after=NOW - datetime.timedelta(days=2)), "Ce certificat a expiré le"),
    (lambda ca: ca.stranger.issue({"cn": "Faux EXPERT"}), "n'a pas été délivré par une autorité reconnue"),
    (lambda ca: ca.certeurope.issue({"cn": "Signature EXPERT"}, usage="email"), "ne sert pas à l'authentification"),
    ("revoked", "Ce certificat a été révoqué le"),
], ids=["expired", "unknown-ca", "wrong-usage", "revoked"])
def test_a_refused_card_is_told_why(stack, nginx_certificates, card_authorities, make, message):
    _, site, _ = stack
    if make == "revoked":
        card = card_authorities.certeurope.issue({"cn": "Perdue EXPERT"})
        card_authorities.certeurope.revoke(card)
    else:
        card = make(card_authorities)
    browser = Browser(site, nginx_certificates, card)

    page = browser.follow(browser.card_login("/connexion/carte-expert"))

    assert message in page.body.decode()
    assert "Mes expertises" not in browser.get("/").body.decode()


def test_a_certificate_header_from_another_local_process_is_refused_and_logged(stack, card_authorities, caplog):
    _, _, over_tcp = stack
    caplog.set_level(logging.WARNING, "opalexe_core.proxy")
    card = card_authorities.certeurope.issue({"cn": "Jean MARTIN"})
    connection = http.client.HTTPConnection("127.0.0.1", over_tcp.port, timeout=10)

    answer = request(connection, "/connexion/carte-expert", [("X-SSL-Client-Cert", urllib.parse.quote(card.pem))])

    assert answer.status == 400
    assert any("X-Ssl-Client-Cert" in record.getMessage() for record in caplog.records)
