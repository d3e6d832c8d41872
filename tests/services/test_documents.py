"""Documents through their services, on FileStorage and on RelStorage: a
deposit becomes visible in one transaction with its event, exhibits are
numbered per party, nothing changes a deposited document, each participant
has one receipt, and any altered byte stops a download loudly.

The demo case at the TJ Angers: avocat1 acts for the claimant Dupont,
avocat2 and the intervenant for the défendeur « Syndicat des
copropriétaires… »; the third party, SARL Bâti Ouest, is served on paper."""

import ast
import dataclasses
import io
import logging
import os
from pathlib import Path

import pytest

import opalexe_core
from opalexe_core.api import (
    AuthMethod,
    DocumentDeposited,
    DocumentReceived,
    DocumentWithdrawn,
    FolderKind,
    ScanVerdict,
    hookimpl,
)
from opalexe_core.resources.documents import ImmutableDocument
from opalexe_core.services.demo import demo_email
from opalexe_core.services.documents import (
    DocumentError,
    DocumentIntegrityError,
    deliver_document,
    deposit_upload,
    read_document,
    receive_chunk,
    spool,
    start_upload,
    withdraw_document,
)
from opalexe_core.services.platform import Actor, Refused
from pytest_opalexe.documents import documents_settings, tamper
from pytest_opalexe.web import close_app, make_app, platform_of

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"

#: Most stories need one storage: they run on FileStorage only; those where
#: RelStorage could differ (blobs in PostgreSQL, conflicts) run on both.
FILESTORAGE = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)


def pdf(size: int = 3 * 1024 * 1024 + 17) -> bytes:
    return PDF + os.urandom(size - len(PDF))


class Events:
    """What the platform emits, in its transactions (an in-transaction
    subscriber, as the journal will be)."""

    def __init__(self, app):
        self.seen = []
        app.registry.opalexe_subscribers.append(lambda platform, event: self.seen.append(event))

    def of(self, kind):
        return [event for event in self.seen if isinstance(event, kind)]


@pytest.fixture
def app(documents_app):
    return documents_app


@pytest.fixture
def events(app):
    return Events(app)


@pytest.fixture
def world(app, events):
    with platform_of(app) as platform:  # after `events`: the platform takes the subscribers it finds
        yield World(platform)


class World:
    """The demo case at the TJ Angers and its people, on one platform."""

    def __init__(self, platform):
        self.platform = platform
        self.root = platform.root
        self.case = next(e for e in self.root.expertises.values() if e.jurisdiction_code == "tj-angers")

    def actor(self, key):
        return Actor(self.root.accounts.find_by_email(demo_email(key)), AuthMethod.DEMO, "192.0.2.1")

    def folder(self, kind, party_name=None):
        def walk(container):
            for folder in container.values():
                yield folder
                yield from walk(folder)

        for folder in walk(self.case.folders):
            party = self.case.party(folder.party_id)
            if folder.kind == kind and (party_name is None or (party and party.name.startswith(party_name))):
                return folder
        raise LookupError(kind)

    def deposit(self, key, folder, data=None, filename="piece.pdf", commit=True, **options):
        actor = self.actor(key)
        data = pdf() if data is None else data
        upload = start_upload(self.platform, actor, folder, filename=filename, length=len(data), **options)
        offset = 0
        while offset < len(data):
            offset = receive_chunk(self.platform, actor, upload, offset, io.BytesIO(data[offset:]).read,
                                   min(len(data) - offset, 8 * 1024 * 1024))
        document = deposit_upload(self.platform, actor, spool(self.platform).get(upload.id))
        if commit:
            self.platform.transaction.commit()
        return document

    def pending_uploads(self):
        directory = self.platform.settings.documents.uploads_dir
        return os.listdir(directory) if os.path.isdir(directory) else []

    def read(self, document, start=0, end=None):
        return b"".join(read_document(self.platform, document, start, end).chunks)


# -- depositing ---------------------------------------------------------------------------------


def test_a_deposit_is_available_at_once_with_an_event_that_says_who_what_when_and_to_whom(world, events, app):
    typed = []

    class Plugin:
        @hookimpl
        def opalexe_document_deposited(self, event):
            typed.append(event)

    app.registry.opalexe_pm.register(Plugin(), name="listener")
    data = pdf()
    dupont = world.folder(FolderKind.PARTIE, "Dupont")
    document = world.deposit("avocat1", dupont, data, filename="Constat d'huissier.pdf")

    [event] = events.of(DocumentDeposited)
    people = {key: world.actor(key).account.id for key in ("avocat1", "avocat2", "expert", "magistrat", "mediateur")}
    assert (event.expertise_id, event.document_id, event.depositor) == (world.case.id, document.id, people["avocat1"])
    assert event.sha256 == document.sha256 and len(event.sha256) == 64
    assert (event.filename, event.size, event.title, event.content_type) == (
        "Constat d'huissier.pdf", len(data), "Pièce n°1 – Dupont", "application/pdf")
    assert event.at == document.deposited_at and event.actor.account_id == people["avocat1"]
    assert event.folder_path == ("expertises", world.case.id, "dossiers", dupont.__name__)
    assert people["avocat1"] not in event.recipients
    assert {people["avocat2"], people["expert"], people["magistrat"], people["mediateur"]} <= set(event.recipients)
    assert event.paper_parties == ("SARL Bâti Ouest",)
    assert [e.id for e in typed] == [event.id]  # the typed hook, after commit
    assert world.read(document) == data
    assert world.pending_uploads() == []  # the upload left


@FILESTORAGE
def test_only_the_entitled_are_told_and_the_confidential_channel_reaches_no_party(world, events):
    document = world.deposit("expert", world.folder(FolderKind.MAGISTRAT_EXPERT), filename="Note au juge.pdf")
    [event] = events.of(DocumentDeposited)
    ids = {key: world.actor(key).account.id for key in ("avocat1", "avocat2", "intervenant", "magistrat", "coexpert")}

    assert {ids["magistrat"], ids["coexpert"]} <= set(event.recipients)
    assert not {ids["avocat1"], ids["avocat2"], ids["intervenant"]} & set(event.recipients)
    assert event.paper_parties == () and document.title == "Note au juge.pdf"


def test_exhibits_are_numbered_per_party_and_a_correction_keeps_its_number(world):
    dupont = world.folder(FolderKind.PARTIE, "Dupont")
    syndicat = world.folder(FolderKind.PARTIE, "Syndicat")

    first = world.deposit("avocat1", dupont)
    second = world.deposit("avocat1", dupont)
    dire = world.deposit("avocat1", dupont, nature="dire")
    other = world.deposit("avocat2", syndicat)
    correction = world.deposit("avocat1", dupont, replaces=first.id, filename="piece-corrigee.pdf")

    assert [first.title, second.title, dire.title] == ["Pièce n°1 – Dupont", "Pièce n°2 – Dupont", "Dire n°1 – Dupont"]
    assert other.title == "Pièce n°1 – Syndicat des copropriétaires de la résidence Les Tilleuls"
    assert (correction.title, correction.version, correction.previous_id) == ("Pièce n°1 – Dupont", 2, first.id)
    assert first.superseded_by == correction.id and not first.current
    assert world.deposit("avocat1", dupont).title == "Pièce n°3 – Dupont"


@FILESTORAGE
def test_an_upload_deposited_again_is_the_same_document_and_no_new_event(world, events, monkeypatch):
    """The process stopped between the deposit's commit and the removal of
    the upload, or the page asked again: the upload is still there."""
    from opalexe_core.services.uploads import UploadSpool

    monkeypatch.setattr(UploadSpool, "remove", lambda self, upload_id: None)
    actor, folder, data = world.actor("avocat1"), world.folder(FolderKind.PARTIE, "Dupont"), pdf(10_000)
    upload = start_upload(world.platform, actor, folder, filename="a.pdf", length=len(data))
    receive_chunk(world.platform, actor, upload, 0, io.BytesIO(data).read, len(data))
    first = deposit_upload(world.platform, actor, upload)
    world.platform.transaction.commit()

    again = deposit_upload(world.platform, actor, spool(world.platform).get(upload.id))
    world.platform.transaction.commit()
    assert again is first and len(folder.documents) == 1 and len(events.of(DocumentDeposited)) == 1


@FILESTORAGE
def test_a_deposit_outside_the_actor_s_rights_is_refused_before_any_byte(world, events):
    with pytest.raises(Refused, match="Vous ne pouvez pas déposer"):
        world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Syndicat"))
    with pytest.raises(Refused):
        world.deposit("avocat1", world.folder(FolderKind.MAGISTRAT_EXPERT))
    assert events.seen == [] and world.pending_uploads() == []


@FILESTORAGE
@pytest.mark.parametrize(("filename", "data", "message"), [
    ("script.exe", b"MZ" + b"\0" * 100, "Ce format de fichier n'est pas accepté"),
    ("rapport.pdf", b"<html><script>alert(1)</script></html>", "ne correspond pas à son extension"),
    ("photo.jpg", PDF + b"x" * 100, "ne correspond pas à son extension"),
    ("vide.pdf", b"", "Le fichier est vide"),
    ("   ", PDF, "pas de nom utilisable"),
])
def test_a_refused_format_name_or_empty_file_stores_nothing(world, events, filename, data, message):
    with pytest.raises(DocumentError, match=message):
        world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"), data, filename=filename)
    world.platform.transaction.abort()
    assert events.seen == [] and len(world.folder(FolderKind.PARTIE, "Dupont").documents) == 0


@FILESTORAGE
def test_the_format_is_sniffed_from_the_first_chunk_and_refused_before_the_rest(world):
    actor = world.actor("avocat1")
    folder = world.folder(FolderKind.PARTIE, "Dupont")
    upload = start_upload(world.platform, actor, folder, filename="plan.pdf", length=10_000_000)
    with pytest.raises(DocumentError, match="ne correspond pas") as refused:
        receive_chunk(world.platform, actor, upload, 0, io.BytesIO(b"GIF89a" + b"\0" * 99_994).read, 100_000)
    assert refused.value.status == 415
    assert spool(world.platform).offset(upload) == 0


@FILESTORAGE
def test_a_file_of_exactly_the_limit_is_taken_one_byte_more_is_refused(storage, document_token, tmp_path):
    limit = 1024 * 1024 + 5
    application = make_app(documents_settings(storage.uri, document_token, tmp_path / "uploads",
                                              **{"opalexe.documents.max_size": str(limit)}))
    try:
        with platform_of(application) as platform:
            small = World(platform)
            folder = small.folder(FolderKind.PARTIE, "Dupont")
            with pytest.raises(DocumentError, match=f"taille maximale autorisée \\({limit} octets") as refused:
                start_upload(platform, small.actor("avocat1"), folder, filename="a.pdf", length=limit + 1)
            assert refused.value.status == 413
            document = small.deposit("avocat1", folder, pdf(limit))
            assert document.size == limit
    finally:
        close_app(application)


# -- scanning -----------------------------------------------------------------------------------


@FILESTORAGE
def test_the_scanner_sees_the_plaintext_before_anyone_and_its_refusal_refuses_the_deposit(world, events, app):
    seen = []

    class Antivirus:
        verdict = ScanVerdict(accepted=False, scanner="ClamAV", reason="Eicar-Test-Signature détecté.")

        @hookimpl
        def opalexe_upload_scan(self, upload, path):
            seen.append((upload, Path(path).read_bytes(), oct(os.stat(path).st_mode & 0o777), path))
            return self.verdict

    app.registry.opalexe_pm.register(Antivirus(), name="antivirus")
    data = pdf(2 * 1024 * 1024)
    folder = world.folder(FolderKind.PARTIE, "Dupont")
    with pytest.raises(DocumentError, match="refusé par l'analyse « ClamAV » : Eicar-Test-Signature détecté."):
        world.deposit("avocat1", folder, data, filename="virus.pdf")
    world.platform.transaction.abort()

    [(facts, plaintext, mode, path)] = seen
    assert plaintext == data and mode == "0o600" and not os.path.exists(path)
    assert (facts.filename, facts.size, facts.content_type, facts.expertise_id) == (
        "virus.pdf", len(data), "application/pdf", world.case.id)
    assert events.seen == [] and len(folder.documents) == 0
    assert world.pending_uploads() == []  # the refused file is dropped

    Antivirus.verdict = ScanVerdict(accepted=True, scanner="ClamAV")
    document = world.deposit("avocat1", folder, data, filename="sain.pdf")
    assert seen[-1][0].sha256 == document.sha256


# -- immutability -------------------------------------------------------------------------------


@FILESTORAGE
def test_a_deposited_document_s_facts_and_bytes_cannot_be_changed(world):
    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"))
    for name, value in [("sha256", "0" * 64), ("size", 1), ("filename", "x.pdf"), ("blob", None),
                        ("deposited_at", None), ("depositor_id", "x"), ("wrapped_key", b""), ("number", 9),
                        ("receipts", None), ("_sealed", False)]:
        with pytest.raises(ImmutableDocument):
            setattr(document, name, value)
    with pytest.raises(ImmutableDocument):
        del document.title
    with pytest.raises(ImmutableDocument):
        document.__parent__ = None
    with pytest.raises(ImmutableDocument):
        document.__parent__.remove(document.id)


@FILESTORAGE
def test_withdrawing_or_correcting_a_document_leaves_its_bytes_as_they_were(world):
    folder = world.folder(FolderKind.PARTIE, "Dupont")
    data = pdf()
    document = world.deposit("avocat1", folder, data)
    serial = document.blob._p_serial
    world.deposit("avocat1", folder, replaces=document.id)
    withdraw_document(world.platform, world.actor("avocat1"), document, "Pièce remplacée")
    world.platform.transaction.commit()

    assert document.blob._p_serial == serial and world.read(document) == data
    with pytest.raises(ImmutableDocument):
        document.superseded_by = "another"


def test_no_code_of_the_core_writes_a_blob_but_the_deposit():
    """The only write to a blob in the core is the deposit's consumeFile: no
    ``open`` of a blob for writing, no other ``consumeFile``."""
    writers = []
    for path in Path(opalexe_core.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                mode = next((arg.value for arg in node.args if isinstance(arg, ast.Constant)), None)
                if node.func.attr == "consumeFile" or (
                        node.func.attr == "open" and "blob" in ast.unparse(node.func.value)
                        and isinstance(mode, str) and set(mode) & set("wa+")):
                    writers.append(f"{path.name}:{node.lineno}")
    assert writers == [f"documents.py:{_line_of('blob.consumeFile(link)')}"]


def _line_of(text):
    source = (Path(opalexe_core.__file__).parent / "services" / "documents.py").read_text().splitlines()
    return next(number for number, line in enumerate(source, 1) if text in line)


def test_the_events_a_plugin_receives_are_frozen_plain_facts():
    for kind in (DocumentDeposited, DocumentReceived, DocumentWithdrawn):
        assert dataclasses.fields(kind) and kind.__dataclass_params__.frozen


# -- receipts -------------------------------------------------------------------------------------


@FILESTORAGE
def test_each_participant_has_one_receipt_the_date_of_its_first_download(world, events):
    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"))
    events.seen.clear()
    expert, magistrat, depositor = world.actor("expert"), world.actor("magistrat"), world.actor("avocat1")

    first = deliver_document(world.platform, expert, document, "ouverture").receipt
    world.platform.transaction.commit()
    again = deliver_document(world.platform, expert, document, "telechargement", 0, 10).receipt
    world.platform.transaction.commit()
    deliver_document(world.platform, magistrat, document, "telechargement")
    assert deliver_document(world.platform, depositor, document, "telechargement").receipt is None
    world.platform.transaction.commit()

    assert again == first and first.how == "ouverture"
    assert set(document.receipts) == {expert.account.id, magistrat.account.id}
    received = events.of(DocumentReceived)
    assert [(e.recipient, e.how, e.sha256) for e in received] == [
        (expert.account.id, "ouverture", document.sha256), (magistrat.account.id, "telechargement", document.sha256)]
    assert received[0].at == first.at


def test_the_dashboards_count_a_deposit_unread_until_its_first_receipt(world):
    index, case_id = world.root.expertises.index, world.case.id
    expert, magistrat, depositor = (world.actor(key).account.id for key in ("expert", "magistrat", "avocat1"))
    before = {account: index.unread_count(account, case_id) for account in (expert, magistrat, depositor)}

    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"))
    world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"))
    assert index.unread_count(expert, case_id) == before[expert] + 2
    assert index.unread_count(depositor, case_id) == before[depositor]  # its own deposits

    deliver_document(world.platform, world.actor("expert"), document, "ouverture")
    deliver_document(world.platform, world.actor("expert"), document, "telechargement")  # not a first receipt
    world.platform.transaction.commit()
    assert index.unread_count(expert, case_id) == before[expert] + 1
    assert index.unread_count(magistrat, case_id) == before[magistrat] + 2


def test_two_first_downloads_at_the_same_moment_make_one_receipt(app, world, events):
    """Two requests of one participant, each in its own transaction: the
    second to commit conflicts, is retried, and finds the receipt."""
    from ZODB.POSException import ConflictError

    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"))
    events.seen.clear()
    with platform_of(app) as other_platform:
        other = World(other_platform)
        copy = other.folder(FolderKind.PARTIE, "Dupont").documents[document.id]
        deliver_document(world.platform, world.actor("expert"), document, "telechargement")
        deliver_document(other_platform, other.actor("expert"), copy, "telechargement")
        world.platform.transaction.commit()
        with pytest.raises(ConflictError):
            other_platform.transaction.commit()
        other_platform.transaction.abort()
        other_platform.transaction.begin()
        retried = deliver_document(other_platform, other.actor("expert"), copy, "telechargement")
        other_platform.transaction.commit()
    assert len(events.of(DocumentReceived)) == 2  # emitted twice, committed once: the loser rolled back
    assert retried.receipt == document.receipts[world.actor("expert").account.id]
    assert len(document.receipts) == 1


@FILESTORAGE
def test_a_participant_without_the_right_gets_nothing_and_no_receipt(world):
    document = world.deposit("expert", world.folder(FolderKind.MAGISTRAT_EXPERT))
    with pytest.raises(Refused, match="Vous n'avez pas accès à ce document."):
        deliver_document(world.platform, world.actor("avocat1"), document, "telechargement")
    assert len(document.receipts) == 0


# -- withdrawal -----------------------------------------------------------------------------------


@FILESTORAGE
def test_a_withdrawal_says_who_when_and_why_and_the_document_stays_readable(world, events):
    data = pdf()
    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"), data)
    events.seen.clear()
    with pytest.raises(Refused, match="Seuls le déposant et l'expert"):
        withdraw_document(world.platform, world.actor("avocat2"), document, "Pas à moi")
    with pytest.raises(DocumentError, match="Indiquez le motif"):
        withdraw_document(world.platform, world.actor("avocat1"), document, "   ")

    withdrawal = withdraw_document(world.platform, world.actor("avocat1"), document, "  Pièce déposée par erreur ")
    world.platform.transaction.commit()
    with pytest.raises(DocumentError, match="déjà été retiré"):
        withdraw_document(world.platform, world.actor("expert"), document, "Encore")

    assert (withdrawal.account_id, withdrawal.reason) == (world.actor("avocat1").account.id, "Pièce déposée par erreur")
    [event] = events.of(DocumentWithdrawn)
    assert (event.document_id, event.reason, event.withdrawn_by, event.sha256) == (
        document.id, "Pièce déposée par erreur", withdrawal.account_id, document.sha256)
    assert document.id in document.__parent__ and world.read(document) == data
    with pytest.raises(DocumentError, match="a été retiré"):
        world.deposit("avocat1", document.__parent__.__parent__, replaces=document.id)


@FILESTORAGE
def test_the_expert_may_withdraw_and_a_closed_case_changes_no_more(world):
    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"))
    world.case.status = "terminee"
    with pytest.raises(DocumentError, match="L'expertise est close"):
        withdraw_document(world.platform, world.actor("expert"), document, "Hors délai")
    world.case.status = "en_cours"
    withdraw_document(world.platform, world.actor("expert"), document, "Hors délai")
    assert document.withdrawn


# -- integrity ------------------------------------------------------------------------------------


@FILESTORAGE
@pytest.mark.parametrize(("action", "when"), [("flip", "while"), ("swap", "before"), ("truncate", "before")])
def test_an_altered_stored_document_fails_loudly_and_the_incident_is_logged(world, caplog, action, when):
    data = pdf(3 * 1024 * 1024 + 17)
    document = world.deposit("avocat1", world.folder(FolderKind.PARTIE, "Dupont"), data)
    tamper(document.blob.committed(), action)

    with caplog.at_level(logging.ERROR, logger="opalexe_core.services.documents"):
        with pytest.raises(DocumentIntegrityError, match="ses données stockées ont été altérées") as error:
            if when == "before":  # found before any byte is served: the page says so
                read_document(world.platform, document)
            else:  # the first segment is sound: found while the bytes flow, the download breaks
                delivery = read_document(world.platform, document)
                next(delivery.chunks)
                b"".join(delivery.chunks)
    assert "INTEGRITY" in caplog.text and document.sha256 in caplog.text and "/".join(
        ("expertises", world.case.id)) in caplog.text
    assert "segment" in str(error.value) or "cut or padded" in str(error.value)
