"""A real deposit and a real first reading (issue #16) reach the journal
and come back as signed evidences (issue #17), linked from the document's
page: the same SHA-256, the depositor, the reader and its address."""

import hashlib
import json

import pytest

from opalexe_core.services.demo import demo_email
from pytest_opalexe.documents import deposit, documents_settings
from pytest_opalexe.web import browser_client, close_app, demo_login, file_storage_uri, make_app

from .helpers import seal

CONTENT = b"%PDF-1.4\n" + "Pré-rapport de l'expert\n".encode() * 2000 + b"%%EOF\n"


@pytest.fixture
def app(tmp_path, document_token):
    application = make_app(documents_settings(file_storage_uri(tmp_path), document_token, tmp_path / "uploads"))
    application.registry.opalexe_journal.signer.ensure_key()
    yield application
    close_app(application)


def folder_url(client) -> str:
    """The case's « expert→greffe-parties » folder, as the expert's case page links it."""
    home = client.get("/")
    case = home.html.select_one("table.expertises tbody a")["href"]
    page = client.get(case)
    return next(a["href"] for a in page.html.select("ul.folders a") if "expert-greffe-parties" in a["href"])


def test_a_deposit_and_its_first_download_have_signed_evidences_on_the_document_page(app):
    expert = browser_client(app)
    demo_login(expert, "expert")
    sent = deposit(expert, folder_url(expert), CONTENT, "pre-rapport.pdf").answer.json
    document_url = sent["url"]

    lawyer = browser_client(app)
    lawyer.extra_environ["REMOTE_ADDR"] = "198.51.100.7"
    demo_login(lawyer, "avocat1")
    assert lawyer.get(document_url + "telecharger").body == CONTENT
    seal(app)

    page = expert.get(document_url)
    link = page.html.find("a", string="Preuves de dépôt et de réception, signées par la plateforme")
    listing = expert.get(link["href"])
    evidences = {}
    for anchor in listing.html.select("a[href*='/preuves/']"):
        if anchor["href"].endswith(".pem") or anchor["href"].count("/preuves/document/"):
            continue
        evidence = json.loads(expert.get(anchor["href"].split("?")[0].rstrip("/") + "/preuve.json").body)
        evidences[evidence["type"]] = evidence
    assert set(evidences) == {"deposit", "receipt"}
    sha = hashlib.sha256(CONTENT).hexdigest()
    assert evidences["deposit"]["document"]["sha256"] == sha == sent["sha256"]
    assert evidences["deposit"]["sender"]["email"] == demo_email("expert")
    assert evidences["receipt"]["recipient"]["email"] == demo_email("avocat1")
    assert evidences["receipt"]["recipient"]["ip"] == "198.51.100.7"
