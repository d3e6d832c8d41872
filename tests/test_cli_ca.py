"""``opalexe ca``: the certificate authority's key made on the token once,
its certificate shown and written, its CRL signed again on demand."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import crl, pem, x509

from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.softhsm import with_token, without_token

OPALEXE = str(Path(sys.executable).with_name("opalexe"))


@pytest.fixture
def ini(tmp_path, softhsm_token):
    text = (checkout_root() / "development.ini").read_text().replace("%(here)s/var/", f"{tmp_path}/var/")
    text = with_token(text, softhsm_token, pin=False)
    path = tmp_path / "site.ini"
    path.write_text(text)
    return path


def run(ini, token, *args):
    env = dict(os.environ, **token.env, OPALEXE_PKCS11_PIN=token.pin)
    return subprocess.run([OPALEXE, "-c", str(ini), *args], capture_output=True, text=True, timeout=120, env=env)


def test_ca_creates_the_key_once_and_shows_the_certificate(ini, softhsm_token, tmp_path):
    assert run(ini, softhsm_token, "init").returncode == 0
    first = run(ini, softhsm_token, "ca", "--certificate-out", str(tmp_path / "ca.pem"),
                "--crl-out", str(tmp_path / "ca.crl"))
    assert first.returncode == 0, first.stderr
    assert "Clé privée : sur le jeton PKCS#11 « opalexe-test », étiquette « opalexe-ca »" in first.stdout
    assert "Liste de révocation n° 1" in first.stdout and "-----BEGIN CERTIFICATE-----" in first.stdout
    _type, _headers, der = pem.unarmor((tmp_path / "ca.pem").read_bytes())
    certificate = x509.Certificate.load(der)
    assert certificate.ca and "autorité des certificats logiciels" in certificate.subject.human_friendly
    _type, _headers, crl_der = pem.unarmor((tmp_path / "ca.crl").read_bytes())
    assert crl.CertificateList.load(crl_der).crl_number_value.native == 1

    again = run(ini, softhsm_token, "ca", "--crl")
    assert again.returncode == 0, again.stderr
    fingerprint = next(line for line in first.stdout.splitlines() if line.startswith("Empreinte"))
    assert fingerprint in again.stdout  # the same CA, not a new key
    assert "Liste de révocation n° 2" in again.stdout


def test_ca_without_a_token_says_so_and_changes_nothing(tmp_path, softhsm_token):
    text = (checkout_root() / "development.ini").read_text().replace("%(here)s/var/", f"{tmp_path}/var/")
    ini = tmp_path / "site.ini"
    ini.write_text(without_token(text))
    assert run(ini, softhsm_token, "init").returncode == 0
    result = run(ini, softhsm_token, "ca")
    assert result.returncode == 2
    assert "pas de jeton PKCS#11" in result.stderr
