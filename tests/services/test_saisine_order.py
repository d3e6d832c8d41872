"""The designation order (issue 15 meets issue 16): the clerk attaches the
PDF of the order to a designation, sealed and kept with it; the addressed
expert reads it before answering; on acceptance it becomes a document of
the new case's «greffe→expert-parties» folder, deposited by the clerk.

On the demo platform taking deposits (FileStorage: blobs behave as any
document's, which test_documents.py runs on both storages)."""

import io
import os
from datetime import date
from pathlib import Path

import pytest

from opalexe_core.api import (
    AuthMethod,
    DocumentDeposited,
    FolderKind,
    SaisineAccepted,
    SaisineOrderAttached,
    ScanVerdict,
    hookimpl,
)
from opalexe_core.services.demo import demo_email
from opalexe_core.services.documents import DocumentError, deliver_document, spool
from opalexe_core.services.expertises import CaseData, ExpertiseError
from opalexe_core.services.platform import Actor, Refused
from opalexe_core.services.saisines import (
    accept_saisine,
    attach_order,
    case_of,
    decline_saisine,
    read_order,
    send_saisine,
)
from pytest_opalexe.web import platform_of

FILESTORAGE = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)
pytestmark = FILESTORAGE

ORDER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(300 * 1024)


@pytest.fixture
def app(documents_app):
    return documents_app


class Events:
    def __init__(self, app):
        self.seen = []
        app.registry.opalexe_subscribers.append(lambda platform, event: self.seen.append(event))

    def kinds(self):
        return [type(event) for event in self.seen]


@pytest.fixture
def events(app):
    return Events(app)


@pytest.fixture
def platform(app, events):
    with platform_of(app) as platform:
        yield platform


def actor(platform, key):
    return Actor(platform.root.accounts.find_by_email(demo_email(key)), AuthMethod.DEMO, "192.0.2.1")


def designation():
    return CaseData(jurisdiction_code="", rg="20/01234", exp="20/56",
                    parties=[("Lambert", "demandeur", "physique"), ("SARL Saules", "defendeur", "morale")],
                    order_date=date(2020, 5, 4), mission="Examiner la toiture.")


@pytest.fixture
def saisine(platform):
    sent = send_saisine(platform, actor(platform, "greffier"), platform.root.jurisdictions["tj-angers"],
                        expert_email=demo_email("expert"), data=designation())
    platform.transaction.commit()
    return sent


def attach(platform, saisine, key="greffier", data=ORDER, filename="Ordonnance.pdf"):
    return attach_order(platform, actor(platform, key), saisine, filename=filename, length=len(data),
                        read=io.BytesIO(data).read)


def read(platform, saisine, key):
    return b"".join(read_order(platform, actor(platform, key), saisine).chunks)


def pending_uploads(platform):
    directory = platform.settings.documents.uploads_dir
    return os.listdir(directory) if os.path.isdir(directory) else []


def test_the_order_is_attached_sealed_read_by_the_expert_and_deposited_by_the_clerk_on_acceptance(
        platform, saisine, events):
    order = attach(platform, saisine)
    platform.transaction.commit()
    assert [type(e) for e in events.seen[-1:]] == [SaisineOrderAttached]
    assert (events.seen[-1].saisine_id, events.seen[-1].filename, events.seen[-1].size) == (
        saisine.id, "Ordonnance.pdf", len(ORDER))
    assert pending_uploads(platform) == []  # kept in the designation's blob, out of the expiring uploads folder
    with order.blob.open("r") as sealed:
        stored = sealed.read()
    assert ORDER[:64] not in stored and len(stored) > len(ORDER)  # sealed, never plaintext
    assert read(platform, saisine, "expert") == ORDER  # before answering
    assert read(platform, saisine, "greffier") == ORDER

    before = len(events.seen)
    case = accept_saisine(platform, actor(platform, "expert"), saisine, case_of(saisine, platform.root.accounts))
    platform.transaction.commit()
    assert events.kinds()[before:] == [SaisineAccepted, DocumentDeposited]
    folder = next(f for f in case.folders.values() if f.kind == FolderKind.GREFFE_EXPERT_PARTIES)
    [document] = folder.documents.in_order()
    clerk = platform.root.accounts.find_by_email(demo_email("greffier"))
    expert = platform.root.accounts.find_by_email(demo_email("expert"))
    assert (document.depositor_id, document.filename, document.sha256) == (clerk.id, "Ordonnance.pdf",
                                                                          order.sha256)
    deposited = events.seen[-1]
    assert (deposited.depositor, deposited.document_id, deposited.expertise_id) == (clerk.id, document.id, case.id)
    assert expert.id in deposited.recipients and clerk.id not in deposited.recipients
    delivery = deliver_document(platform, actor(platform, "expert"), document, "telechargement")
    assert b"".join(delivery.chunks) == ORDER
    assert expert.id in document.receipts  # the expert's receipt, as for any deposit


def test_a_designation_without_order_is_accepted_with_its_one_event(platform, saisine, events):
    before = len(events.seen)
    case = accept_saisine(platform, actor(platform, "expert"), saisine, case_of(saisine, platform.root.accounts))
    assert events.kinds()[before:] == [SaisineAccepted]
    folder = next(f for f in case.folders.values() if f.kind == FolderKind.GREFFE_EXPERT_PARTIES)
    assert folder.documents.in_order() == []
    with pytest.raises(DocumentError):
        read_order(platform, actor(platform, "greffier"), saisine)


def test_a_second_order_replaces_the_first(platform, saisine):
    attach(platform, saisine)
    other = b"%PDF-1.7\n" + b"x" * 2000
    attach(platform, saisine, data=other, filename="Ordonnance rectifiée.pdf")
    platform.transaction.commit()
    assert (saisine.order.filename, read(platform, saisine, "expert")) == ("Ordonnance rectifiée.pdf", other)


@pytest.mark.parametrize(("data", "filename", "expected"), [
    (b"PK\x03\x04" + b"\0" * 500, "Ordonnance.pdf", "format"),  # a ZIP named .pdf
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 500, "Ordonnance.png", "PDF"),  # an accepted format, but not a PDF
    (b"", "Ordonnance.pdf", "vide"),
    (b"%PDF-1.4\n", "", "Choisissez"),
])
def test_a_file_that_is_not_a_pdf_is_refused_with_a_clear_message_and_nothing_stored(
        platform, saisine, events, data, filename, expected):
    before = len(events.seen)
    with pytest.raises(DocumentError) as refusal:
        attach(platform, saisine, data=data, filename=filename)
    assert expected in refusal.value.message
    assert (saisine.order, len(events.seen), pending_uploads(platform)) == (None, before, [])


def test_a_file_too_big_is_refused_before_any_byte_is_read(platform, saisine, events):
    maximum = platform.settings.documents.max_size

    def never(_size):
        raise AssertionError("nothing is read from a file refused for its size")

    with pytest.raises(DocumentError) as refusal:
        attach_order(platform, actor(platform, "greffier"), saisine, filename="Ordonnance.pdf", length=maximum + 1,
                     read=never)
    assert refusal.value.status == 413 and "taille maximale" in refusal.value.message
    assert (saisine.order, pending_uploads(platform)) == (None, [])


@pytest.mark.parametrize("key", ["expert", "magistrat", "avocat1", "admin"])
def test_only_the_court_s_clerks_attach_the_order(platform, saisine, key):
    with pytest.raises(Refused):
        attach(platform, saisine, key=key)
    assert (saisine.order, pending_uploads(platform)) == (None, [])


@pytest.mark.parametrize("key", ["coexpert", "magistrat", "avocat1", "admin"])
def test_nobody_but_the_court_s_clerks_and_the_addressed_expert_reads_the_order(platform, saisine, key):
    attach(platform, saisine)
    with pytest.raises(Refused):
        read_order(platform, actor(platform, key), saisine)


def test_an_answered_designation_takes_no_order(platform, saisine):
    decline_saisine(platform, actor(platform, "expert"), saisine, "Conflit d'intérêts")
    with pytest.raises(ExpertiseError):
        attach(platform, saisine)
    assert saisine.order is None and spool(platform) is not None


def test_the_upload_scanner_sees_the_order_and_its_refusal_leaves_no_order(app, platform, saisine, events):
    seen = []

    class Antivirus:
        verdict = ScanVerdict(accepted=False, scanner="ClamAV", reason="Eicar-Test-Signature détecté.")

        @hookimpl
        def opalexe_upload_scan(self, upload, path):
            seen.append((upload, Path(path).read_bytes()))
            return self.verdict

    app.registry.opalexe_pm.register(Antivirus(), name="antivirus")
    before = len(events.seen)
    with pytest.raises(DocumentError, match="refusé par l'analyse « ClamAV » : Eicar-Test-Signature détecté."):
        attach(platform, saisine, filename="Ordonnance infectée.pdf")
    platform.transaction.abort()
    [(facts, plaintext)] = seen
    assert plaintext == ORDER
    assert (facts.filename, facts.size, facts.content_type, facts.expertise_id, facts.folder_path) == (
        "Ordonnance infectée.pdf", len(ORDER), "application/pdf", "", ("saisines", saisine.id))
    assert saisine.order is None and len(events.seen) == before and pending_uploads(platform) == []

    Antivirus.verdict = ScanVerdict(accepted=True, scanner="ClamAV")
    order = attach(platform, saisine)
    platform.transaction.commit()
    assert seen[-1][0].sha256 == order.sha256 and read(platform, saisine, "expert") == ORDER
