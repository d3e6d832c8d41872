"""The expert's « Certificats logiciels » page: a PKCS#12 download, once;
revocation; the CA's public certificate and CRL; and no private key of the
CA anywhere but on the token."""

import os
import tempfile
import time
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from opalexe_core.api import Role
from opalexe_core.services.certificates import create_authority
from opalexe_core.services.demo import demo_email
from opalexe_core.services.platform import Actor
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, platform_of, running_app, test_settings

PASSWORD = "cheval-agrafe-pile-47"


@pytest.fixture
def app(tmp_path, softhsm_token):
    settings = test_settings(file_storage_uri(tmp_path / "var"), **{
        "opalexe.pkcs11.module": softhsm_token.module_path, "opalexe.pkcs11.token_label": softhsm_token.label,
        "opalexe.pkcs11.pin": softhsm_token.pin})
    with running_app(settings) as application:
        with platform_of(application) as platform:
            create_authority(platform, Actor.platform())
            case = next(e for e in platform.root.expertises.values() if e.jurisdiction_code == "tj-angers")
            intervenant = platform.root.accounts.find_by_email(demo_email("intervenant"))
            assert case.active_participant(intervenant.id).role == Role.INTERVENANT  # the demo's
            platform.transaction.commit()
            application.case_id, application.intervenant_id = case.id, intervenant.id
        yield application


def certificates_page(client, app):
    return client.get(f"/expertises/{app.case_id}/certificats")


def issue(client, app, password=PASSWORD, confirm=None, status=200):
    page = certificates_page(client, app)
    form = page.forms["form"]
    form["account_id"] = app.intervenant_id
    form["password"] = password
    form["password-confirm"] = password if confirm is None else confirm
    return form.submit("submit", status=status)


def test_the_expert_downloads_the_pkcs12_once_and_sees_the_certificate_listed(app):
    client = browser_client(app)
    demo_login(client, "expert")
    case_page = client.get(f"/expertises/{app.case_id}")
    assert case_page.html.find("a", string="Certificats logiciels") is not None
    answer = issue(client, app)
    assert answer.content_type == "application/x-pkcs12"
    assert answer.headers["Cache-Control"] == "no-store"
    assert 'filename="opalexe-nadia-girard.p12"' in answer.headers["Content-Disposition"]
    key, certificate, _cas = pkcs12.load_key_and_certificates(answer.body, PASSWORD.encode())
    assert key is not None and "Nadia GIRARD" in certificate.subject.rfc4514_string()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(answer.body, b"not the password")
    page = certificates_page(client, app)
    [row] = page.html.select("table.certificates tbody tr")
    assert "Nadia GIRARD" in row.text and "Valide" in row.text
    # a second download of the same key does not exist: a second issue is refused while this one is valid
    again = issue(client, app, status=400)
    assert "a déjà un certificat valide" in again.text


def test_revocation_publishes_the_crl_that_lists_the_certificate(app):
    client = browser_client(app)
    demo_login(client, "expert")
    issue(client, app)
    serial = certificates_page(client, app).html.select_one("table.certificates tbody tr")["data-serial"]
    form = certificates_page(client, app).forms[f"revoke-{serial}"]
    form["reason"] = "key_compromise"
    done = form.submit("submit").follow()
    assert f"Certificat {serial} révoqué" in done.text
    assert "Révoqué le" in done.html.select_one("table.certificates tbody tr").text
    published = browser_client(app).get("/pki/autorite.crl")  # public: the verifiers fetch it
    assert published.content_type == "application/pkix-crl"
    listed = asn1_crl.CertificateList.load(published.body)
    assert [format(e["user_certificate"].native, "x") for e in listed["tbs_cert_list"]["revoked_certificates"]] == [
        serial]
    assert browser_client(app).get("/pki/autorite.crt").text.startswith("-----BEGIN CERTIFICATE-----")


def test_bad_input_and_strangers_change_nothing(app):
    client = browser_client(app)
    demo_login(client, "expert")
    mismatch = issue(client, app, confirm="autre-mot-de-passe-long", status=400)
    assert mismatch.content_type == "text/html"
    short = issue(client, app, password="court", status=400)
    assert "12 caractères au moins" in short.text
    stranger = browser_client(app)
    demo_login(stranger, "avocat1")
    stranger.get(f"/expertises/{app.case_id}/certificats", status=403)
    token = stranger.get("/").html.find("input", {"name": "csrf_token"})["value"]
    stranger.post(f"/expertises/{app.case_id}/certificats",
                  {"csrf_token": token, "account_id": app.intervenant_id, "password": PASSWORD,
                   "password-confirm": PASSWORD}, status=403)
    with platform_of(app) as platform:
        assert not list(platform.root.certificates.issued.keys())


def _keys_in(data: bytes):
    """The private keys ``data`` holds without a password: PEM blocks, or
    the whole of it as DER (PKCS#8, PKCS#1, SEC1)."""
    blocks = [data]
    marker = b"-----BEGIN "
    at = data.find(marker)
    while at >= 0:
        end = data.find(b"-----END ", at)
        close = data.find(b"-----", end + 9) if end >= 0 else -1
        if close < 0:
            break
        blocks.append(data[at:close + 5])
        at = data.find(marker, close + 5)
    for block in blocks:
        for load in (serialization.load_pem_private_key, serialization.load_der_private_key):
            try:
                yield load(block, None)
            except Exception:  # noqa: S112  not a key, or one under a password: the usual case
                continue


def keys_matching(folder: Path, public_keys: list[bytes], skip: tuple[Path, ...], since: float = 0) -> list[Path]:
    """Files under ``folder`` (but ``skip``), written at ``since`` or later,
    holding the private key of one of ``public_keys`` (DER)."""
    found = []
    for directory, _subdirs, files in os.walk(folder):
        if any(Path(directory).is_relative_to(s) for s in skip):
            continue
        for name in files:
            path = Path(directory, name)
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                status = path.stat()
                if status.st_size > 20_000_000 or status.st_mtime < since:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            for key in _keys_in(data):
                public = key.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
                if public in public_keys:
                    found.append(path)
                    break
    return found


def test_no_private_key_of_the_ca_or_of_a_participant_outside_the_token(app, tmp_path, softhsm_token):
    """The CA's key is on the token (SoftHSM keeps it, encrypted under the
    PIN, in the token's own folder); the participant's only in its download.
    Searched: the platform's var/ and the temporary folders."""
    started = time.time() - 1  # (file times may be coarser than the clock)
    client = browser_client(app)
    demo_login(client, "expert")
    answer = issue(client, app)
    key, _certificate, cas = pkcs12.load_key_and_certificates(answer.body, PASSWORD.encode())
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    ca_public = cas[0].public_key().public_bytes(serialization.Encoding.DER, public)
    participant_public = key.public_key().public_bytes(serialization.Encoding.DER, public)
    participant_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    secret = key.private_numbers().d.to_bytes(256, "big").lstrip(b"\0")
    token_dir = Path(softhsm_token.dir)
    # The platform's var/ whole; of the temporary folders, what was written
    # since the test began (the keys were made during it).
    folders = {tmp_path / "var": 0, Path(tempfile.gettempdir()): started, Path("/var/tmp"): started}
    for folder, since in folders.items():
        assert keys_matching(folder, [ca_public, participant_public], skip=(token_dir,), since=since) == [], folder
    stored = [path for path in (tmp_path / "var").rglob("*") if path.is_file()]
    assert stored and not [path for path in stored
                           if participant_key in path.read_bytes() or secret in path.read_bytes()]
    # the finder finds a key where there is one
    planted = tmp_path / "var" / "planted.pem"
    planted.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    assert keys_matching(tmp_path / "var", [participant_public], skip=()) == [planted]
