"""The expert issues a software certificate in Chromium (a PKCS#12
download, once), sees it listed and revokes it."""

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from playwright.sync_api import expect

from opalexe_core.services.certificates import create_authority
from opalexe_core.services.platform import Actor
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import file_storage_uri, platform_of, running_app, test_settings

from .conftest import Visitor

PASSWORD = "cheval-agrafe-pile-47"

pytestmark = pytest.mark.browser


@pytest.fixture
def visitor(page, tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path / "var"), **{
        "opalexe.pkcs11.module": softhsm_token.module_path, "opalexe.pkcs11.token_label": softhsm_token.label,
        "opalexe.pkcs11.pin": softhsm_token.pin})
    with running_app(settings) as app:
        with platform_of(app) as platform:
            create_authority(platform, Actor.platform())
            platform.transaction.commit()
        with LiveServer(app) as server:
            yield Visitor(page, server)


def test_the_expert_issues_downloads_and_revokes_a_certificate(visitor, tmp_path):
    page = visitor.page
    visitor.log_in("expert")
    visitor.open_case("Les Tilleuls")
    page.get_by_role("link", name="Certificats logiciels").click()
    expect(visitor.heading()).to_have_text("Certificats logiciels")
    page.get_by_label("Participant").select_option(label="Nadia GIRARD (Intervenant de partie)")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password-confirm]").fill(PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Émettre et télécharger").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "opalexe-nadia-girard.p12"
    _key, certificate, _cas = pkcs12.load_key_and_certificates(saved.read_bytes(), PASSWORD.encode())
    assert "Nadia GIRARD" in certificate.subject.rfc4514_string()

    page.reload()
    row = page.locator("table.certificates tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Valide")
    page.screenshot(path=str(tmp_path / "certificates.png"), full_page=True)
    row.get_by_label("Motif").select_option(label="Fichier ou mot de passe perdu ou divulgué")
    row.get_by_role("button", name="Révoquer").click()
    expect(page.locator(".flash.success")).to_contain_text("révoqué ; la liste de révocation est publiée")
    expect(page.locator("table.certificates tbody tr")).to_contain_text("Révoqué le")
