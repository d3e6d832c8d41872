"""The whole e-mail login in Chromium: the expert invites, the participant
reads its password and then its code in the captured mails, and lands in
the case it was invited to."""

import re

import pytest
from playwright.sync_api import expect

# isort: split
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import file_storage_uri, running_app
from pytest_opalexe.web import test_settings as settings_for

pytestmark = pytest.mark.browser

EMAIL = "camille.roche@example.test"


@pytest.fixture
def live(tmp_path, mail_sink):
    settings = settings_for(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", "auth_email_otp"),
                            **{"mail.host": mail_sink.host, "mail.port": str(mail_sink.port),
                               "mail.default_sender": "opalexe@example.test"})
    with running_app(settings) as app, LiveServer(app) as server:
        yield server


def choose_profile(page, provider_id):
    """« Quel est votre profil d'utilisateur ? »: the profile, then « Continuer »."""
    page.locator(f"input[data-provider={provider_id}]").check()
    page.get_by_role("button", name="Continuer").click()


def text_of(mail):
    return mail.get_body(("plain",)).get_content()


def test_invited_participant_logs_in_with_password_and_mailed_code(page, live, mail_sink, tmp_path):
    # the expert invites, through the case's page
    page.goto(live.url + "/connexion")
    choose_profile(page, "demo")
    page.locator('button[data-email="expert@demo.opalexe.test"]').click()
    page.locator("table.expertises tbody a").filter(has_text="TJ Angers").click()
    page.get_by_role("link", name="Inviter un participant").click()
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom de famille").fill("Roche")
    page.get_by_label("Rôle dans l'expertise").select_option(label="Intervenant de partie")
    page.get_by_label("Partie représentée").select_option(label="Dupont")
    page.get_by_role("button", name="Inviter").click()
    expect(page.locator(".flash.success")).to_contain_text(f"{EMAIL} est invité(e)")
    page.get_by_role("button", name="Se déconnecter").click()

    invitation, password_mail = mail_sink.wait_for(2)
    assert "Les Tilleuls" in text_of(invitation)
    password = re.search(r"^ {4}(\S{16})\r?$", text_of(password_mail), re.M).group(1)

    # the participant, in a browser of its own, chooses its profile, gives its address and password
    page.context.clear_cookies()
    page.goto(live.url + "/connexion")
    choose_profile(page, "courriel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion par adresse électronique")
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saisissez votre code temporaire d'authentification")
    expect(page.get_by_role("button", name="Renvoyer le code")).to_be_visible()
    page.screenshot(path=str(tmp_path / "code.png"), full_page=True)

    code_mail = mail_sink.wait_for(3)[-1]
    code = re.search(r"^ {4}(\d{6})\r?$", text_of(code_mail), re.M).group(1)
    page.get_by_label("Code temporaire").fill(code)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Les Tilleuls")
    expect(page.locator(".account-name")).to_have_text("Camille ROCHE")
    page.screenshot(path=str(tmp_path / "landed.png"), full_page=True)
