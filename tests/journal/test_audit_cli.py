"""``opalexe audit`` on a real FileStorage and a SoftHSM token: the key made
on the token, heads signed, the journal verified (and its alteration
named), an expertise's extract checked by the standalone script alone; and
no copy of the signing key anywhere outside the token."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, ObjectClass
from pyramid.paster import get_appsettings

from opalexe_core import main
from opalexe_core.journal.merkle import leaf_hash, verify_inclusion
from opalexe_core.journal.signer import KEY_LABEL
from opalexe_core.journal.store import JOURNAL_KEY
from opalexe_core.storage import open_db, opened
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.softhsm import with_token
from pytest_opalexe.web import browser_client, close_app, demo_login

REPO_ROOT = checkout_root()
OPALEXE = str(Path(sys.executable).with_name("opalexe"))
SCRIPT = REPO_ROOT / "scripts" / "verify_journal_extract.py"


@pytest.fixture
def ini(tmp_path, softhsm_token):
    text = (REPO_ROOT / "development.ini").read_text().replace("%(here)s/var/", f"{tmp_path}/var/")
    text = text.replace("opalexe.outbox.sweep_seconds = 30", "opalexe.outbox.sweep_seconds = 0\n"
                        "opalexe.journal.sequence_seconds = 0\n")
    text = with_token(text, softhsm_token)
    path = tmp_path / "site.ini"
    path.write_text(text)
    return path


def audit(ini, *args):
    return subprocess.run([OPALEXE, "-c", str(ini), "audit", *args], capture_output=True, text=True, timeout=300)


def some_traffic(ini) -> str:
    """Requests of the expert and the magistrate; returns the id of the case they read."""
    app = main({}, **get_appsettings(str(ini)))
    try:
        for who in ("expert", "magistrat"):
            client = browser_client(app)
            demo_login(client, who)
            home = client.get("/")
            url = next(u for u in re.findall(r'href="([^"]+/expertises/[0-9a-f]+/)"', home.text))
            client.get(url)
            client.get(url + "journal", status="*")
        client.get("/comptes/", status=403)
        return url.rstrip("/").rsplit("/", 1)[-1]
    finally:
        close_app(app)


def test_audit_from_keygen_to_a_checked_extract(ini, tmp_path):
    started = time.time()
    assert subprocess.run([OPALEXE, "-c", str(ini), "init", "--demo"], capture_output=True).returncode == 0
    made = audit(ini, "keygen")
    assert made.returncode == 0 and "créée" in made.stdout
    assert "existe déjà" in audit(ini, "keygen").stdout
    expertise = some_traffic(ini)
    signed = audit(ini, "sign")
    assert signed.returncode == 0 and "Tête n° 1 signée" in signed.stdout
    checked = audit(ini, "verify")
    assert checked.returncode == 0, checked.stderr
    size = int(re.search(r"intact jusqu'à l'entrée (\d+)", checked.stdout).group(1))
    assert size >= 8 and "1 tête(s) signée(s)" in checked.stdout

    certificate = tmp_path / "certificat-plateforme.pem"
    certificate.write_text(audit(ini, "certificate").stdout)
    exported = audit(ini, "export", "--expertise", expertise, "-o", str(tmp_path / "extrait"))
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in (tmp_path / "extrait.jsonl").read_text().splitlines()]
    entries = [line for line in lines if line["type"] == "entry"]
    assert entries and all(json.loads(e["record"])["entry"]["expertise"] == expertise for e in entries)
    assert {json.loads(e["record"])["entry"]["email"] for e in entries} >= {
        "expert@demo.opalexe.test", "magistrat@demo.opalexe.test"}
    for name in ("extrait.jsonl", "extrait.csv"):
        result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / name), str(certificate)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{len(entries)} entrée(s) incluses dans l'arbre signé" in result.stdout

    # an altered extract is refused by the script
    text = (tmp_path / "extrait.jsonl").read_text()
    (tmp_path / "forged.jsonl").write_text(text.replace("127.0.0.1", "127.0.0.2", 1))
    forged = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "forged.jsonl"), str(certificate)],
                            capture_output=True, text=True)
    assert forged.returncode == 1 and "NON vérifié" in forged.stdout

    # an inclusion proof from the command line verifies
    proof = json.loads(audit(ini, "prove", "--inclusion", "3").stdout)
    assert verify_inclusion(2, proof["tree_size"], leaf_hash(proof["record"].encode()),
                            [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(proof["root_hash"]))
    consistency = json.loads(audit(ini, "prove", "--consistency", "3", str(size)).stdout)
    assert consistency["proof"]

    # an entry altered in the journal's database is named
    db = open_db(f"file://{tmp_path}/var/Journal.fs", name="journal")
    try:
        with opened(db) as (zodb_root, manager):
            entry = zodb_root[JOURNAL_KEY].log[4][2]
            entry.data = {**entry.data, "outcome": "allowed", "reason": "", "name": "Quelqu'un d'autre"}
            manager.commit()
    finally:
        db.close()
    altered = audit(ini, "verify")
    assert altered.returncode == 1 and "première entrée en faute : n° 4, modifiée" in altered.stdout

    assert_no_private_key_outside_the_token(certificate.read_bytes(), [tmp_path], started)


def assert_no_private_key_outside_the_token(certificate_pem: bytes, roots, since: float):
    """No file under ``roots`` nor any file written to the temp dirs during
    the test holds the platform's private key (PEM or DER, any format)."""
    public = x509.load_pem_x509_certificate(certificate_pem).public_key().public_numbers()
    token_dirs = [d for d in (os.environ.get("SOFTHSM2_CONF"),) if d]
    candidates = []
    for root in [*roots, Path(tempfile.gettempdir())]:
        for folder, _dirs, files in os.walk(root):
            if any(folder.startswith(str(Path(t).parent)) for t in token_dirs):
                continue  # the token itself
            for name in files:
                path = Path(folder, name)
                try:
                    if root in roots or path.stat().st_mtime >= since:
                        candidates.append(path)
                except OSError:
                    continue
    assert candidates
    for path in candidates:
        try:
            data = path.read_bytes() if path.stat().st_size < 50_000_000 else b""
        except OSError:
            continue
        assert b"PRIVATE KEY" not in data or not _holds(data, public), path
        for start in (m.start() for m in re.finditer(rb"\x30[\x77\x81]", data)):
            try:
                key = serialization.load_der_private_key(data[start:start + 200], None)
            except (ValueError, TypeError):
                continue
            assert key.public_key().public_numbers() != public, path


def _holds(data: bytes, public) -> bool:
    for block in re.findall(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", data, re.S):
        try:
            key = serialization.load_pem_private_key(block, None)
        except (ValueError, TypeError):
            continue
        if key.public_key().public_numbers() == public:
            return True
    return False


def test_the_key_on_the_token_cannot_be_read(softhsm_token):
    from opalexe_core.journal.signer import Signer
    from opalexe_core.keystore import KeyStore, PKCS11Settings

    signer = Signer(KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label, softhsm_token.pin)))
    signer.ensure_key()
    with softhsm_token.open_session() as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=KEY_LABEL)
        assert key[Attribute.SENSITIVE] is True and key[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.PKCS11Error):
            key[Attribute.VALUE]
