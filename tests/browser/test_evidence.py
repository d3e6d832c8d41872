"""In a browser: the administrator signs the journal now; the expert opens
the evidence of a deposit and downloads its PDF."""

import pytest
from playwright.sync_api import expect

from opalexe_core.api import AuthMethod, DocumentDeposited
from opalexe_core.services.demo import demo_email
from opalexe_core.services.platform import Actor
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import file_storage_uri, platform_of, running_app, test_settings

from .conftest import Visitor

SCREENSHOT = "/tmp/opalexe-evidence.png"


def deposit(app):
    """The expert's deposit in the Tilleuls case, as issue #16's deposit will emit it."""
    with platform_of(app) as platform:
        expertise = next(e for e in platform.root.expertises.values() if "Tilleuls" in e.name)
        expert = platform.root.accounts.find_by_email(demo_email("expert"))
        path = ("expertises", expertise.id, "dossiers", next(iter(expertise.folders.keys())))
        event = platform.event(DocumentDeposited, Actor(expert, AuthMethod.CERTIFICATE, "192.0.2.10"),
                               path=path + ("doc1",), expertise_id=expertise.id, folder_path=path,
                               document_id="doc1", sha256="0" * 64, depositor=expert.id,
                               filename="pre-rapport.pdf", size=1234)
        platform.transaction.commit()
    return event


@pytest.fixture
def signed_site(tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path), **{
        "opalexe.pkcs11.module": softhsm_token.module_path, "opalexe.pkcs11.token_label": softhsm_token.label,
        "opalexe.pkcs11.pin": softhsm_token.pin})
    with running_app(settings) as app:
        app.registry.opalexe_journal.signer.ensure_key()
        with LiveServer(app) as server:
            yield app, server


@pytest.mark.browser
def test_signing_now_and_downloading_an_evidence(page, signed_site):
    app, server = signed_site
    visitor = Visitor(page, server)
    visitor.log_in("admin")
    visitor.open("/journal")
    page.get_by_role("button", name="Signer le journal maintenant").click()
    expect(page.locator("body")).to_contain_text("Tête n° 1 signée")
    visitor.log_out()

    deposited = deposit(app)
    app.registry.opalexe_journal.run()
    visitor.log_in("expert")
    visitor.open(f"/preuves/{deposited.id}")
    expect(visitor.heading()).to_have_text("Preuve de dépôt et de mise à disposition")
    expect(page.locator("dl.evidence")).to_contain_text("pre-rapport.pdf")
    page.screenshot(path=SCREENSHOT, full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="preuve.pdf").click()
    assert download.value.suggested_filename.endswith("preuve.pdf")
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
