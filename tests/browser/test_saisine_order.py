"""The designation order in a browser: the clerk attaches the order's PDF on
the designation's page (a wrong file first: the French message), the
expert opens it from the same page, accepts, and finds it in the case's
«greffe→expert-parties» folder, deposited by the clerk."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from opalexe_core.api import AuthMethod
from opalexe_core.services.demo import demo_email
from opalexe_core.services.expertises import CaseData
from opalexe_core.services.platform import Actor
from opalexe_core.services.saisines import send_saisine
from pytest_opalexe.documents import documents_settings
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import close_app, file_storage_uri, make_app, platform_of

from .conftest import Visitor
from .test_axe import no_violations

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ORDER = b"%PDF-1.4\n" + bytes(range(256)) * 200


@pytest.fixture
def site(tmp_path, document_token):
    application = make_app(documents_settings(file_storage_uri(tmp_path / "var"), document_token,
                                              tmp_path / "uploads"))
    with platform_of(application) as platform:
        clerk = Actor(platform.root.accounts.find_by_email(demo_email("greffier")), AuthMethod.DEMO)
        saisine = send_saisine(platform, clerk, platform.root.jurisdictions["tj-angers"],
                               expert_email=demo_email("expert"), data=CaseData(
                                   jurisdiction_code="", rg="21/00042", exp="21/42", order_date=date(2021, 4, 2),
                                   parties=[("Lambert", "demandeur", "physique"),
                                            ("SCI Les Saules", "defendeur", "morale")]))
        platform.transaction.commit()
        application.saisine_path = f"/saisines/{saisine.id}/"
    try:
        with LiveServer(application) as server:
            yield server
    finally:
        close_app(application)


@pytest.mark.browser
def test_the_clerk_attaches_the_order_and_the_expert_finds_it_in_the_case(page, site):
    person = Visitor(page, site)
    where = site.app.saisine_path
    person.log_in("greffier")
    person.open(where)
    picker = page.get_by_label("Fichier PDF de l'ordonnance")
    picker.set_input_files(files=[{"name": "Ordonnance.png", "mimeType": "image/png",
                                   "buffer": b"\x89PNG\r\n\x1a\n" + bytes(600)}])
    page.get_by_role("button", name="Joindre l'ordonnance").click()
    expect(page.locator(".flash.error")).to_contain_text("se joint en PDF")
    page.get_by_label("Fichier PDF de l'ordonnance").set_input_files(
        files=[{"name": "Ordonnance.pdf", "mimeType": "application/pdf", "buffer": ORDER}])
    page.get_by_role("button", name="Joindre l'ordonnance").click()
    expect(page.locator("p.order a")).to_have_text("Ordonnance.pdf")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "saisine-ordonnance.png"), full_page=True)
    no_violations(page, "designation page with its order")

    person.log_out()
    person.log_in("expert")
    person.open(where)
    assert page.request.get(page.locator("p.order a").get_attribute("href")).body() == ORDER
    page.get_by_role("link", name="Accepter la désignation").click()
    page.get_by_role("button", name="Voir le nom de l'expertise").click()
    page.get_by_role("button", name="Créer l'expertise").click()
    expect(person.heading()).to_contain_text("SCI Les Saules")
    person.folder_link("greffe→expert-parties").click()
    row = page.locator("table.documents tr").filter(has_text="Ordonnance.pdf")
    expect(row).to_contain_text("Marc LEROY")
