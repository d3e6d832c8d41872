"""Depositing from the folder page, as people do: the expert sends a note to
the judge with the progress bar (speed, time left, pause and resume), the
judge gets the mail, follows its link and downloads the note (its receipt);
a lawyer finds nothing of it, not even its name. A lawyer deposits two
exhibits at once."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pytest_opalexe.documents import documents_settings
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import close_app, file_storage_uri, make_app

from .conftest import Visitor

NOTE = "Note au juge – désordres.pdf"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf(size: int) -> bytes:
    body = b"%PDF-1.4\n" + bytes(range(256)) * (size // 256 + 1)
    return body[:size]


@pytest.fixture
def site(tmp_path, document_token, mail_sink):
    """The platform taking deposits in chunks of 1 MiB, its mails to the sink."""
    settings = documents_settings(file_storage_uri(tmp_path / "var"), document_token, tmp_path / "uploads", **{
        "opalexe.uploads.chunk_size": "1M", "mail.host": mail_sink.host, "mail.port": str(mail_sink.port)})
    application = make_app(settings)
    try:
        with LiveServer(application) as server:
            yield server
    finally:
        close_app(application)


@pytest.fixture
def person(page, site):
    return Visitor(page, site)


def slow_chunks(page, seconds=0.25):
    """Chunks take a while, as over a real network: long enough to pause."""
    def slow(route):
        if route.request.method == "PATCH":
            time.sleep(seconds)
        route.continue_()

    page.route("**/televersements/**", slow)


def open_folder(person, title):
    person.open_case("Les Tilleuls", "TJ Angers")
    person.folder_link(title).click()
    expect(person.heading()).to_have_text(title)


@pytest.mark.browser
def test_a_note_to_the_judge_is_deposited_received_and_hidden_from_the_parties(page, person, site, mail_sink):
    data = pdf(6 * 1024 * 1024 + 123)
    person.log_in("expert")
    open_folder(person, "magistrat→expert")
    slow_chunks(page)
    page.get_by_label("Fichiers à déposer").set_input_files(
        files=[{"name": NOTE, "mimeType": "application/pdf", "buffer": data}])
    page.get_by_role("button", name="Déposer", exact=True).click()

    row = page.locator("ul.uploads li").filter(has_text=NOTE)
    bar = row.locator("progress")
    expect(bar).to_be_visible()
    expect(row.locator(".speed")).to_contain_text("/s")
    expect(row.locator(".eta")).to_contain_text("reste")
    expect(row.get_by_role("button", name="Reprendre")).to_be_hidden()
    row.get_by_role("button", name="Pause").click()
    expect(row.locator(".status")).to_have_text("En pause")
    expect(row.get_by_role("button", name="Pause")).to_be_hidden()
    expect(row.locator(".speed")).to_have_text("")
    paused_at = int(bar.get_attribute("value"))
    assert 0 < paused_at < 100
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "depot-en-pause.png"), full_page=True)
    row.get_by_role("button", name="Reprendre").click()
    expect(row.locator(".status")).to_contain_text("Déposé :", timeout=30_000)
    expect(bar).to_have_attribute("value", "100")
    page.screenshot(path=str(ARTIFACTS / "depot-termine.png"), full_page=True)

    page.reload()
    expect(page.locator("table.documents")).to_contain_text(NOTE)
    expect(page.locator("table.documents")).to_contain_text("Jean MARTIN")

    mails = mail_sink.wait_for(3)  # the judge, the clerk, the co-expert
    [to_judge] = [mail for mail in mails if mail["To"] == "magistrat@demo.opalexe.test"]
    assert not [mail for mail in mails if mail["To"].startswith("avocat")]
    body = to_judge.get_content()
    assert NOTE not in body and "désordres" not in body
    link = re.search(r"http://\S+/documents/[0-9a-f]+/", body).group(0)
    person.log_out()

    person.log_in("magistrat")
    page.goto(link)
    expect(person.heading()).to_have_text(NOTE)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger", exact=True).click()
    assert Path(download.value.path()).read_bytes() == data
    person.log_out()

    person.log_in("avocat1")
    person.open_case("Les Tilleuls", "TJ Angers")
    expect(page.locator("#coffres")).not_to_contain_text("magistrat→expert")  # (the matrix names every folder)
    page.goto(link)
    expect(person.heading()).to_have_text("Accès refusé")
    expect(page.locator("body")).not_to_contain_text("Note au juge")
    page.goto(link + "telecharger")
    expect(person.heading()).to_have_text("Accès refusé")
    person.log_out()

    person.log_in("expert")
    page.goto(link)
    receipts = page.locator("table.receipts")
    expect(receipts.locator("tr").filter(has_text="Hélène DURAND")).to_contain_text(re.compile(r"\d\d/\d\d/\d{4}"))
    expect(receipts.locator("tr").filter(has_text="Claire BERNARD")).to_contain_text("pas encore")
    page.screenshot(path=str(ARTIFACTS / "document-accuses.png"), full_page=True)


@pytest.mark.browser
def test_a_lawyer_deposits_two_exhibits_at_once_and_is_told_what_to_serve_by_post(page, person):
    person.log_in("avocat1")
    open_folder(person, "Dupont")
    expect(page.locator(".alert.paper")).to_contain_text("SARL Bâti Ouest")
    page.get_by_label("Fichiers à déposer").set_input_files(files=[
        {"name": "Constat.pdf", "mimeType": "application/pdf", "buffer": pdf(1_500_000)},
        {"name": "Devis.pdf", "mimeType": "application/pdf", "buffer": pdf(300_000)},
    ])
    page.get_by_role("button", name="Déposer", exact=True).click()

    statuses = page.locator("ul.uploads li .status")
    expect(statuses).to_have_count(2)
    for index in range(2):
        expect(statuses.nth(index)).to_contain_text(re.compile(r"Déposé : Pièce n°[12] – Dupont"), timeout=20_000)
    page.reload()
    expect(page.locator("table.documents tbody tr")).to_have_count(2)
    expect(page.locator("table.documents")).to_contain_text("Pièce n°2 – Dupont")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "coffre-partie.png"), full_page=True)


@pytest.mark.browser
def test_a_refused_format_is_said_in_the_row_and_nothing_is_deposited(page, person):
    person.log_in("avocat1")
    open_folder(person, "Dupont")
    page.get_by_label("Fichiers à déposer").set_input_files(
        files=[{"name": "faux.pdf", "mimeType": "application/pdf", "buffer": b"<html>" + b" " * 5000}])
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.locator("ul.uploads li .status")).to_contain_text("ne correspond pas à son extension")
    page.reload()
    expect(page.get_by_role("main")).to_contain_text("Aucun document.")
