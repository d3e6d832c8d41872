"""The English catalog translates every message of the plugin's code,
pages and mails, and its compiled copy is up to date."""

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

# isort: split
import opalexe_auth_email_otp

PACKAGE = Path(opalexe_auth_email_otp.__file__).parent
DOMAIN = opalexe_auth_email_otp.DOMAIN
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"


def test_every_message_is_translated_and_compiled(tmp_path):
    pot = tmp_path / f"{DOMAIN}.pot"
    result = subprocess.run([str(Path(sys.executable).with_name("pot-create")), "-c",
                             str(PACKAGE / "locale" / "lingua.cfg"), "-d", DOMAIN, "-o", str(pot), str(PACKAGE)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    extracted = {message.id for message in read_po(pot.open("rb")) if message.id}
    catalog = read_po(PO.open("rb"))
    translated = {message.id: message.string for message in catalog if message.id and not message.fuzzy}
    assert extracted and sorted(extracted - {k for k, v in translated.items() if v}) == []
    compiled = {m.id: m.string for m in read_mo(io.BytesIO(PO.with_suffix(".mo").read_bytes())) if m.id}
    assert compiled == {k: v for k, v in translated.items() if k in compiled} and set(extracted) <= set(compiled)
