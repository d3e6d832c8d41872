"""Signed evidences of deposit (submission and availability) and of receipt
(a first reading): who, what by SHA-256, when, to whom; a PDF for people, a
JSON with its detached signature for machines, verifiable with the
platform's certificate; an RFC 3161 token when a plugin's authority gives one.

Issue #16 creates the documents: until it lands, the events are emitted
here through a platform, with the contract's values only."""

import hashlib
import json
import subprocess
from datetime import UTC

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from opalexe_core.api import AuthMethod, DocumentDeposited, DocumentReceived, hookimpl
from opalexe_core.services.demo import demo_email
from opalexe_core.services.platform import Actor
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, platform_of, running_app, test_settings

from .helpers import Recorder, seal, token_settings

CONTENT = "Rapport de l'expert — pré-rapport".encode()
SHA = hashlib.sha256(CONTENT).hexdigest()
CARD = "ab" * 32


class TimestampAuthority:
    """A plugin's authority: answers with a recognisable token."""

    def __init__(self):
        self.digests = []

    @hookimpl
    def opalexe_evidence_timestamp(self, digest, hash_algorithm):
        self.digests.append((digest, hash_algorithm))
        return b"TSTOKEN:" + digest


@pytest.fixture
def authority():
    return TimestampAuthority()


@pytest.fixture
def app(tmp_path, softhsm_token, authority):
    settings = test_settings(file_storage_uri(tmp_path), **token_settings(softhsm_token))
    with running_app(settings, plugins={"tsa": authority}) as application:
        application.registry.opalexe_journal.signer.ensure_key()
        yield application


def deposit_and_read(app):
    """The expert deposits into « expert→greffe-parties » of the Tilleuls
    case; the first lawyer reads it. Returns the two events."""
    with platform_of(app) as platform:
        root = platform.root
        expertise = next(e for e in root.expertises.values() if "Tilleuls" in e.name)
        folder_name = next(iter(expertise.folders.keys()))
        expert = root.accounts.find_by_email(demo_email("expert"))
        lawyer = root.accounts.find_by_email(demo_email("avocat1"))
        path = ("expertises", expertise.id, "dossiers", folder_name)
        deposited = platform.event(
            DocumentDeposited, Actor(expert, AuthMethod.CERTIFICATE, "192.0.2.10", CARD), path=path + ("doc1",),
            expertise_id=expertise.id, folder_path=path, document_id="doc1", sha256=SHA, depositor=expert.id,
            filename="pre-rapport.pdf", size=len(CONTENT))
        received = platform.event(
            DocumentReceived, Actor(lawyer, AuthMethod.PASSWORD_CODE, "198.51.100.4"), path=path + ("doc1",),
            expertise_id=expertise.id, folder_path=path, document_id="doc1", sha256=SHA, recipient=lawyer.id)
        platform.transaction.commit()
    return deposited, received


def test_a_deposit_and_a_first_reading_get_signed_evidences(app, authority, tmp_path):
    deposited, received = deposit_and_read(app)
    client = browser_client(app)
    demo_login(client, "expert")
    # before sealing: the evidence is announced, not yet signed
    assert "en cours d'émission" in client.get(f"/preuves/{deposited.id}").text
    seal(app)
    page = client.get(f"/preuves/{deposited.id}")
    assert "Preuve de dépôt et de mise à disposition" in page.text and SHA in page.text

    payload = client.get(f"/preuves/{deposited.id}/preuve.json").body
    signature = client.get(f"/preuves/{deposited.id}/preuve.json.sig").body
    certificate = client.get("/preuves/certificat-plateforme.pem").body
    x509.load_pem_x509_certificate(certificate).public_key().verify(signature, payload, ec.ECDSA(hashes.SHA256()))

    evidence = json.loads(payload)
    assert evidence["type"] == "deposit"
    assert evidence["etsi_en_319_522_events"] == ["SubmissionAcceptance", "ContentConsignment"]
    assert evidence["document"] == {"id": "doc1", "sha256": SHA, "filename": "pre-rapport.pdf", "size": len(CONTENT)}
    assert evidence["event_time"] == deposited.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    sender = evidence["sender"]
    assert (sender["email"], sender["auth_method"], sender["certificate_sha256"], sender["ip"]) == (
        demo_email("expert"), "certificate", CARD, "192.0.2.10")
    names = {r["name"] for r in evidence["recipients"]}
    assert {"Sophie MOREAU", "Hélène DURAND"} <= names  # the folder is everybody's
    assert evidence["journal_entry"]["seq"] >= 1 and "Tilleuls" in evidence["expertise"]["name"]

    # the documented command verifies it too
    for name, data in (("preuve.json", payload), ("preuve.json.sig", signature),
                       ("certificat-plateforme.pem", certificate)):
        (tmp_path / name).write_bytes(data)
    subprocess.run(["openssl", "x509", "-in", "certificat-plateforme.pem", "-pubkey", "-noout", "-out",
                    "plateforme.pub"], cwd=tmp_path, check=True)
    checked = subprocess.run(["openssl", "dgst", "-sha256", "-verify", "plateforme.pub", "-signature",
                              "preuve.json.sig", "preuve.json"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and "Verified OK" in checked.stdout
    (tmp_path / "preuve.json").write_bytes(payload.replace(b"192.0.2.10", b"192.0.2.11"))
    forged = subprocess.run(["openssl", "dgst", "-sha256", "-verify", "plateforme.pub", "-signature",
                             "preuve.json.sig", "preuve.json"], cwd=tmp_path, capture_output=True, text=True)
    assert forged.returncode != 0

    # the receipt, and the plugin's timestamp over the JSON's SHA-256
    receipt = json.loads(client.get(f"/preuves/{received.id}/preuve.json").body)
    assert receipt["type"] == "receipt" and receipt["etsi_en_319_522_events"] == ["ContentHandover"]
    assert receipt["recipient"]["email"] == demo_email("avocat1") and receipt["recipient"]["ip"] == "198.51.100.4"
    token = client.get(f"/preuves/{deposited.id}/horodatage.tsr").body
    assert token == b"TSTOKEN:" + hashlib.sha256(payload).digest()
    assert (hashlib.sha256(payload).digest(), "sha256") in authority.digests

    pdf = client.get(f"/preuves/{deposited.id}/preuve.pdf")
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    assert b"preuve.json" in pdf.body and "attachment" in pdf.headers["Content-Disposition"]

    listing = client.get("/preuves/document/doc1")
    assert listing.text.count("/preuves/") >= 2


def test_evidences_are_shown_only_to_whom_they_concern(app):
    _deposited, received = deposit_and_read(app)
    seal(app)
    recorder = Recorder(app)
    other_lawyer = browser_client(app)
    demo_login(other_lawyer, "avocat2")
    recorder.new()
    other_lawyer.get(f"/preuves/{received.id}", status=403)
    entry = [e for e in recorder.new() if e["outcome"] == "refused"]
    assert len(entry) == 1 and "ne vous est pas destinée" in entry[0]["reason"]
    assert entry[0]["email"] == demo_email("avocat2")
    other_lawyer.get(f"/preuves/{received.id}/preuve.json", status=403)
    listing = other_lawyer.get("/preuves/document/doc1").text
    assert received.id not in listing and "Preuve de dépôt" in listing  # the folder is everybody's
    lawyer = browser_client(app)
    demo_login(lawyer, "avocat1")
    lawyer.get(f"/preuves/{received.id}/preuve.pdf", status=200)
    magistrate = browser_client(app)
    demo_login(magistrate, "magistrat")
    magistrate.get(f"/preuves/{received.id}", status=200)
    browser_client(app).get(f"/preuves/{received.id}", status=302)  # a visitor goes to the login page
    lawyer.get("/preuves/inconnue", status=404)
    lawyer.get(f"/preuves/{received.id}/autre.txt", status=404)


def test_without_a_timestamping_plugin_the_platform_signature_stands_alone(tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path), **token_settings(softhsm_token))
    with running_app(settings) as app:
        app.registry.opalexe_journal.signer.ensure_key()
        deposited, _received = deposit_and_read(app)
        seal(app)
        client = browser_client(app)
        demo_login(client, "expert")
        assert "horodatage.tsr" not in client.get(f"/preuves/{deposited.id}").text
        client.get(f"/preuves/{deposited.id}/horodatage.tsr", status=404)


def test_without_a_key_evidences_wait_and_are_issued_once_one_exists(tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path), **token_settings(softhsm_token))
    with running_app(settings) as app:
        deposited, _received = deposit_and_read(app)
        sequencer = app.registry.opalexe_journal
        signer, sequencer.signer = sequencer.signer, None
        seal(app)
        client = browser_client(app)
        demo_login(client, "expert")
        assert "en cours d'émission" in client.get(f"/preuves/{deposited.id}").text
        sequencer.signer = signer
        signer.ensure_key()
        assert seal(app).evidences == 2
        assert client.get(f"/preuves/{deposited.id}/preuve.json").json["document"]["sha256"] == SHA


def test_a_token_without_the_key_seals_and_signs_nothing(tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path), **token_settings(softhsm_token))
    with running_app(settings) as app:
        deposit_and_read(app)
        report = seal(app, sign=True)
        assert report.sealed >= 2 and report.head is None and report.evidences == 0
        assert "opalexe audit keygen" in report.messages[0]


class FailingAuthority:
    @hookimpl
    def opalexe_evidence_timestamp(self, digest, hash_algorithm):
        raise ConnectionError("authority unreachable")


def test_a_failing_authority_leaves_the_platform_s_signature_alone(tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path), **token_settings(softhsm_token))
    with running_app(settings, plugins={"tsa": FailingAuthority()}) as app:
        app.registry.opalexe_journal.signer.ensure_key()
        deposited, _received = deposit_and_read(app)
        assert seal(app).evidences == 2
        client = browser_client(app)
        demo_login(client, "expert")
        client.get(f"/preuves/{deposited.id}/preuve.json.sig", status=200)
        client.get(f"/preuves/{deposited.id}/horodatage.tsr", status=404)
