"""A person with a CertEurope card, in Chromium, through the shipped nginx:
the profile choice, the card login, registration, the dashboard; then a new
version of the terms of use, announced, and accepted at the first login after
its day.

Chromium presents the card's certificate as a browser does when the card
middleware has the PIN (Playwright's client certificates, through a proxy of
Playwright's own that resolves names itself: the site is served as
``localhost``, a name its throwaway certificate holds, on a port other than
443); the throwaway site CA is accepted."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from opalexe_core.services import terms
from opalexe_core.services.platform import Actor
from pytest_opalexe.browser import CHROMIUM_ARGS, check_chromium
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import close_app, file_storage_uri, make_app, platform_of
from pytest_opalexe.web import test_settings as settings_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TODAY = terms.today(datetime.datetime.now(datetime.UTC))  # a French day


@pytest.fixture
def site(tmp_path, nginx_in_front, card_authorities):
    app = make_app(settings_for(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", "auth_certeurope"),
                                **card_authorities.settings(), **{"opalexe.proxy.unix_socket": "true"}))
    with platform_of(app) as platform:
        terms.publish(platform, Actor.platform(), version="v2024-05", title="Conditions générales du service",
                      effective_on=TODAY, text="Article 1. Objet.\nLes présentes conditions générales…")
        platform.transaction.commit()
    try:
        with LiveServer(app, unix_socket=tmp_path / "opalexe.sock", clear_untrusted_proxy_headers=False) as server:
            # Playwright's certificate proxy resolves the site's name itself: a name it knows.
            yield app, nginx_in_front(server.unix_socket, server_name="localhost")
    finally:
        close_app(app)


@pytest.fixture
def card_browser(playwright_instance, site, card_authorities, tmp_path):
    _, nginx = site
    origin = f"https://localhost:{nginx.https_port}"
    card = card_authorities.certeurope.issue({"cn": "Camille ROUSSEAU", "given_name": "Camille",
                                              "surname": "ROUSSEAU"})
    browser = playwright_instance.chromium.launch(
        executable_path=check_chromium(), headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"])
    context = browser.new_context(locale="fr-FR", ignore_https_errors=True, client_certificates=[
        {"origin": origin, "certPath": str(card.chain_path), "keyPath": str(card.key_path)}])
    try:
        yield context.new_page(), origin
    finally:
        context.close()
        browser.close()


def test_an_expert_chooses_its_profile_logs_in_with_its_card_registers_and_accepts_new_terms(
        card_browser, site, card_authorities, tmp_path):
    page, origin = card_browser
    app, _ = site
    page.goto(origin + "/connexion")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quel est votre profil d'utilisateur ?")
    page.get_by_label("Expert, co-expert ou sapiteur disposant d'une carte CertEurope").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".presented")).to_contain_text("Camille ROUSSEAU")
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Formulaire d'inscription")
    expect(page.locator("dd.certificate")).to_have_text("CN=Camille ROUSSEAU")
    page.get_by_label("Adresse électronique").fill("camille.rousseau@experts.example")
    page.get_by_label("Téléphone mobile").fill("06 11 22 33 44")
    page.get_by_label("Adresse postale").fill("5 rue Saint-Aubin\n49000 Angers")
    page.get_by_label("Cour d'appel de rattachement").select_option("ca-angers")
    page.get_by_label("A.1.1 Améliorations foncières").check()
    page.get_by_label("Non").check()
    page.locator("input[name=cgu]").check()
    page.screenshot(path=str(tmp_path / "registration.png"), full_page=True)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes expertises")
    expect(page.locator(".account-name")).to_have_text("Camille ROUSSEAU")

    # A new version, announced four months ahead.
    with platform_of(app) as platform:
        coming = terms.earliest_day(platform)
        terms.publish(platform, Actor.platform(), version="v2024-10", title="Conditions générales du service",
                      effective_on=coming, text="Article 1. Objet (version révisée).")
        platform.transaction.commit()
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(origin + "/connexion")  # the profile is remembered: straight to the card page
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".flash.success")).to_contain_text("v2024-10")

    # Its day has come: at the next login, it must be accepted first.
    later = datetime.datetime.combine(coming, datetime.time(9), tzinfo=datetime.UTC)
    app.registry.opalexe_clock = lambda: later
    card_authorities.certeurope.write_crls(next_update=later + datetime.timedelta(days=1))  # CRLs of that day
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(origin + "/connexion")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conditions générales d'utilisation")
    page.goto(origin + "/")  # nothing else until accepted
    expect(page.get_by_role("heading", level=1)).to_have_text("Conditions générales d'utilisation")
    page.screenshot(path=str(tmp_path / "terms.png"), full_page=True)
    page.get_by_role("button", name="Accepter et continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes expertises")
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email("camille.rousseau@experts.example")
        assert sorted(account.terms_accepted) == ["v2024-05", "v2024-10"]
