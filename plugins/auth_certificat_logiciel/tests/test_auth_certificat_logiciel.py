"""The software-certificate login: the expert issues a certificate from the
platform's CA (its key on a SoftHSM2 token), the participant logs in with it
into its existing account (no registration); once revoked it is refused,
first by this plugin (the platform's register), then by the core's CRL check
once the CRL file is written again. A refusal writes nothing."""

from __future__ import annotations

import importlib.resources
import re
import urllib.parse

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

# isort: split
from opalexe_core.api import AuthMethod, LoginOpened, Role, hookimpl
from opalexe_core.authority import certificate_pem, crl_pem
from opalexe_core.services.accounts import disable_account
from opalexe_core.services.certificates import create_authority, issue_certificate, revoke_certificate
from opalexe_core.services.demo import demo_email
from opalexe_core.services.expertises import add_participant
from opalexe_core.services.platform import Actor
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.nginx import SERVER_NAME, https_connection, request
from pytest_opalexe.web import (
    behind_nginx,
    card_login,
    close_app,
    file_storage_uri,
    make_app,
    platform_of,
    running_app,
)
from pytest_opalexe.web import test_settings as settings_for

PAGE = "/connexion/certificat-logiciel"
PROVIDER = "certificat_logiciel"
PASSWORD = "cheval-agrafe-pile-47"
UNKNOWN = "Ce certificat n'a pas été délivré par la plateforme à l'un de ses comptes"
REVOKED_HERE = "Ce certificat logiciel a été révoqué le"
REVOKED_BY_CRL = "Ce certificat a été révoqué le"  # the core's CRL check


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)

    def logins(self):
        return [e for e in self.seen if isinstance(e, LoginOpened)]


class TrustFiles:
    """The trust store ``certificat_logiciel``: the files ``opalexe ca
    --certificate-out/--crl-out`` write, from the platform's register."""

    def __init__(self, folder):
        self.ca_bundle, self.crl = folder / "certificat_logiciel.pem", folder / "certificat_logiciel.crl"

    def settings(self) -> dict:
        return {f"opalexe.trust.{PROVIDER}.ca_bundle": str(self.ca_bundle),
                f"opalexe.trust.{PROVIDER}.crl": str(self.crl)}

    def publish(self, app) -> None:
        with platform_of(app) as platform:
            registry = platform.root.certificates
            self.ca_bundle.write_text(certificate_pem(registry.ca_der))
            self.crl.write_text(crl_pem(registry.crl_der))


def pkcs11_settings(token) -> dict:
    return {"opalexe.pkcs11.module": token.module_path, "opalexe.pkcs11.token_label": token.label,
            "opalexe.pkcs11.pin": token.pin}


class Issued:
    """A certificate as the participant imports it: its PEM and key."""

    def __init__(self, bundle: bytes, serial: str, account_id: str, case_id: str):
        key, certificate, extra = pkcs12.load_key_and_certificates(bundle, PASSWORD.encode())
        self.pem = certificate.public_bytes(Encoding.PEM).decode()
        self.chain = self.pem + "".join(c.public_bytes(Encoding.PEM).decode() for c in extra)
        self.key = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
        self.serial, self.account_id, self.case_id = serial, account_id, case_id

    def write(self, folder):
        """(chain file, key file) for a TLS client."""
        chain, key = folder / f"{self.serial}.pem", folder / f"{self.serial}.key"
        chain.write_text(self.chain)
        key.write_text(self.key)
        return chain, key


def tilleuls(platform):
    expert = platform.root.accounts.find_by_email(demo_email("expert"))
    case = next(e for e in platform.root.expertises.values() if e.jurisdiction_code == "tj-angers")
    return case, Actor(expert, AuthMethod.DEMO)


def issue(app, trust: TrustFiles, who: str = "intervenant") -> Issued:
    """The operator creates the CA (once), the expert adds ``who`` to the
    Tilleuls case and issues its certificate; the trust files are written."""
    with platform_of(app) as platform:
        create_authority(platform, Actor.platform())
        case, expert = tilleuls(platform)
        account = platform.root.accounts.find_by_email(demo_email(who))
        if account.id not in case.participants:
            add_participant(platform, expert, case, account, Role.INTERVENANT, case.parties[0].id)
        record, bundle = issue_certificate(platform, expert, case, account.id, PASSWORD)
        platform.transaction.commit()
        issued = Issued(bundle, record.serial_hex, account.id, case.id)
    trust.publish(app)
    return issued


def revoke(app, issued: Issued) -> None:
    with platform_of(app) as platform:
        case, expert = tilleuls(platform)
        revoke_certificate(platform, expert, case, issued.serial, "key_compromise")
        platform.transaction.commit()


def witness(app, issued: Issued):
    """What a login writes: the account's record (its open logins, its
    identity facts) and the link of the certificate's serial to it."""
    with platform_of(app) as platform:
        accounts = platform.root.accounts
        account = accounts.get(issued.account_id)
        linked = accounts.find_by_identity(PROVIDER, issued.serial)
        return (account._p_serial, len(accounts), linked.id if linked is not None else None)


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def trust(tmp_path):
    return TrustFiles(tmp_path)


@pytest.fixture
def app(tmp_path, softhsm_token, trust, events):
    settings = settings_for(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", "auth_certificat_logiciel"),
                            **pkcs11_settings(softhsm_token), **trust.settings(),
                            **{"opalexe.proxy.unix_socket": "true",
                               "opalexe.public_url": "https://opalexe.example.org"})
    with running_app(settings, plugins={"events": events}) as application:
        yield application


def login(app, pem):
    return card_login(behind_nginx(app, pem), PAGE).maybe_follow()


def test_the_profile_is_offered_and_leads_to_its_page(app, trust):
    issued = issue(app, trust)
    client = behind_nginx(app, issued.pem)
    choice = client.get("/connexion")
    assert "Certificat logiciel (participant sans carte)" in choice.text
    page = client.get("/connexion", {"profil": PROVIDER}).follow()
    assert page.request.path == PAGE
    assert "Nadia GIRARD" in page.text  # the certificate the browser presented


def test_an_issued_certificate_logs_its_account_in_without_registration(app, trust, events):
    issued = issue(app, trust)
    with platform_of(app) as platform:
        count = len(platform.root.accounts)

    home = login(app, issued.pem)

    assert home.request.path != "/inscription"
    assert "Nadia GIRARD" in home.text
    [opened] = events.logins()
    assert (opened.account_id, opened.provider) == (issued.account_id, PROVIDER)
    assert opened.actor.auth_method == AuthMethod.CERTIFICATE
    _serial, accounts, linked = witness(app, issued)
    assert (accounts, linked) == (count, issued.account_id)
    assert "Nadia GIRARD" in login(app, issued.pem).text  # the second time, by the link
    assert len(events.logins()) == 2


def test_revoked_in_the_register_it_is_refused_before_the_crl_file_is_refreshed(app, trust, events):
    issued = issue(app, trust)
    revoke(app, issued)  # the CRL files still list nothing
    before = witness(app, issued)

    page = login(app, issued.pem)

    assert REVOKED_HERE in page.text and page.request.path == PAGE
    assert witness(app, issued) == before and not events.logins()


def test_after_revocation_and_crl_publication_the_core_refuses_it(app, trust, events):
    issued = issue(app, trust)
    assert "Nadia GIRARD" in login(app, issued.pem).text
    revoke(app, issued)
    trust.publish(app)
    before = witness(app, issued)

    page = login(app, issued.pem)

    assert REVOKED_BY_CRL in page.text and page.request.path == PAGE
    assert witness(app, issued) == before and len(events.logins()) == 1


def test_a_certificate_the_register_does_not_know_is_refused(app, trust, events):
    issued = issue(app, trust)
    with platform_of(app) as platform:  # a register that lost it (a restored backup)
        registry = platform.root.certificates
        del registry.by_fingerprint[registry.get(issued.serial).fingerprint_sha256]
        platform.transaction.commit()
    before = witness(app, issued)

    page = login(app, issued.pem)

    assert UNKNOWN in page.text and "Formulaire d'inscription" not in page.text
    assert witness(app, issued) == before and not events.logins()


def test_the_certificate_of_a_disabled_account_is_refused(app, trust, events):
    issued = issue(app, trust)
    with platform_of(app) as platform:
        disable_account(platform, Actor.platform(), platform.root.accounts.get(issued.account_id))
        platform.transaction.commit()
    before = witness(app, issued)

    page = login(app, issued.pem)

    assert "Le compte auquel ce certificat a été délivré n'existe plus ou est désactivé" in page.text
    assert witness(app, issued) == before and not events.logins()


def test_a_card_of_another_authority_is_refused_by_the_core(app, trust, card_authorities, events):
    issue(app, trust)
    card = card_authorities.certeurope.issue({"cn": "Jean MARTIN"})

    page = login(app, card.pem)

    assert "n'a pas été délivré par une autorité reconnue" in page.text and not events.logins()


# -- for real: nginx in front, TLS with the certificate --------------------------------------


class Browser:
    """A participant's browser through nginx, with its certificate."""

    def __init__(self, site, certificates, client):
        self.site, self.certificates, self.client = site, certificates, client
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{SERVER_NAME}:{site.https_port}"

    def _send(self, method, path, fields=None):
        headers = [("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))] if self.cookies else []
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers += [("Origin", self.origin), ("Content-Type", "application/x-www-form-urlencoded")]
        answer = request(https_connection(self.site, self.certificates, client=self.client), path, headers,
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

    def login(self):
        page = self.get(PAGE)
        assert page.status == 200, page.body
        text = page.body.decode()
        action = urllib.parse.urlsplit(re.search(r'<form method="post" action="([^"]+)"', text).group(1)).path
        token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
        return self.follow(self._send("POST", action, {"csrf_token": token}))


@pytest.mark.slow
def test_through_nginx_the_certificate_logs_in_then_is_refused_once_revoked(
        tmp_path, softhsm_token, trust, events, nginx_in_front, nginx_certificates):
    settings = settings_for(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", "auth_certificat_logiciel"),
                            **pkcs11_settings(softhsm_token), **trust.settings(),
                            **{"opalexe.proxy.unix_socket": "true"})
    app = make_app(settings, plugins={"events": events})
    try:
        with LiveServer(app, threads=2, unix_socket=tmp_path / "opalexe.sock",
                        clear_untrusted_proxy_headers=False) as server:
            site = nginx_in_front(server.unix_socket)
            issued = issue(app, trust)
            client = issued.write(tmp_path)

            home = Browser(site, nginx_certificates, client).login()

            assert home.status == 200
            assert "Nadia GIRARD" in home.body.decode() and "Mes expertises" in home.body.decode()
            [opened] = events.logins()
            assert opened.account_id == issued.account_id

            revoke(app, issued)
            trust.publish(app)  # `opalexe ca --crl-out`: the CRL file lists it
            before = witness(app, issued)
            browser = Browser(site, nginx_certificates, client)

            refused = browser.login()

            assert REVOKED_BY_CRL in refused.body.decode()
            assert "Mes expertises" not in browser.follow(browser.get("/")).body.decode()
            assert witness(app, issued) == before and len(events.logins()) == 1
    finally:
        close_app(app)


# -- in Chromium: the participant's journey -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_in_chromium_the_participant_chooses_its_profile_logs_in_and_is_refused_once_revoked(
        tmp_path, softhsm_token, trust, events, nginx_in_front, playwright_instance):
    """Chromium presents the certificate the expert issued (imported from its
    PKCS#12, as Playwright's client certificates present it), through the
    shipped nginx; the site is served as ``localhost`` for Playwright's
    certificate proxy, which resolves names itself."""
    from playwright.sync_api import expect

    from pytest_opalexe.browser import CHROMIUM_ARGS, check_chromium

    settings = settings_for(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", "auth_certificat_logiciel"),
                            **pkcs11_settings(softhsm_token), **trust.settings(),
                            **{"opalexe.proxy.unix_socket": "true"})
    app = make_app(settings, plugins={"events": events})
    try:
        with LiveServer(app, unix_socket=tmp_path / "opalexe.sock", clear_untrusted_proxy_headers=False) as server:
            static = tmp_path / "srv"  # the pages' styles, linked as etc/README.md says
            static.mkdir()
            (static / "static").symlink_to(importlib.resources.files("opalexe_core") / "static")
            (static / "deform-static").symlink_to(importlib.resources.files("deform") / "static")
            site = nginx_in_front(server.unix_socket, static_dir=static, server_name="localhost")
            issued = issue(app, trust)
            chain, key = issued.write(tmp_path)
            origin = f"https://localhost:{site.https_port}"
            browser = playwright_instance.chromium.launch(
                executable_path=check_chromium(), headless=True,
                args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"])
            context = browser.new_context(locale="fr-FR", ignore_https_errors=True, client_certificates=[
                {"origin": origin, "certPath": str(chain), "keyPath": str(key)}])
            try:
                page = context.new_page()
                heading = page.get_by_role("heading", level=1)
                page.goto(origin + "/connexion")
                expect(heading).to_have_text("Quel est votre profil d'utilisateur ?")
                page.get_by_label("Certificat logiciel (participant sans carte)").check()
                page.get_by_role("button", name="Continuer").click()
                expect(page.locator("body")).to_contain_text("Nadia GIRARD")  # the certificate presented
                page.screenshot(path=str(tmp_path / "certificate-login.png"), full_page=True)
                page.get_by_role("button", name="Continuer").click()
                expect(heading).to_have_text("Mes expertises")
                expect(page.locator(".account-name")).to_have_text("Nadia GIRARD")
                expect(page.locator("table.expertises")).to_contain_text("Tilleuls")
                page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
                [opened] = events.logins()
                assert (opened.account_id, opened.provider) == (issued.account_id, PROVIDER)

                revoke(app, issued)
                trust.publish(app)  # `opalexe ca --crl-out`
                page.get_by_role("button", name="Se déconnecter").click()
                page.goto(origin + "/connexion")  # the profile is remembered
                page.get_by_role("button", name="Continuer").click()
                expect(page.locator("body")).to_contain_text(REVOKED_BY_CRL)
                page.screenshot(path=str(tmp_path / "revoked.png"), full_page=True)
                page.goto(origin + "/")
                expect(heading).not_to_have_text("Mes expertises")
                assert len(events.logins()) == 1
            finally:
                context.close()
                browser.close()
    finally:
        close_app(app)
