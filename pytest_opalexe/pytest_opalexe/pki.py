"""Throwaway certificate authorities, as a card provider runs them: a root, an
intermediate that issues the cards, and the CRL of each.

``TestAuthority(directory, "CertEurope")`` writes ``ca-bundle.pem`` (root and
intermediate) and the CRL files in ``directory``; ``issue()`` makes a card's
certificate and key (valid, expired, not yet valid, for another usage…),
``revoke()`` puts one on the intermediate's CRL and writes it again. The
files are what ``opalexe.trust.<name>.ca_bundle`` and ``.crl`` name
(:meth:`TestAuthority.settings`). Fixture: ``card_authorities`` in :mod:`.infra`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.UTC
CRL_LIFETIME = datetime.timedelta(days=7)

#: Subject attributes by the keys ``issue(subject=…)`` takes.
NAME_ATTRIBUTES = {
    "cn": NameOID.COMMON_NAME,
    "given_name": NameOID.GIVEN_NAME,
    "surname": NameOID.SURNAME,
    "serial_number": NameOID.SERIAL_NUMBER,
    "uid": NameOID.USER_ID,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "title": NameOID.TITLE,
    "country": NameOID.COUNTRY_NAME,
}


def _now() -> datetime.datetime:
    return datetime.datetime.now(UTC)


def _name(attributes: dict) -> x509.Name:
    return x509.Name([x509.NameAttribute(NAME_ATTRIBUTES[key], value) for key, value in attributes.items()])


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class Card:
    """A certificate and its private key, written as PEM files."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert_path: Path
    key_path: Path

    @property
    def pem(self) -> str:
        return _pem(self.certificate).decode()

    @property
    def chain_path(self) -> Path:
        """The certificate and its issuing intermediate (what a browser presents)."""
        return self.cert_path.with_suffix(".chain.pem")


@dataclass
class _Signer:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    revoked: dict[int, datetime.datetime] = field(default_factory=dict)


class TestAuthority:
    """A root CA and its intermediate, with their CRLs, under ``directory``."""

    __test__ = False  # a helper, not a test class

    def __init__(self, directory: Path, name: str):
        self.directory = directory
        self.name = name
        directory.mkdir(parents=True, exist_ok=True)
        start = _now() - datetime.timedelta(days=1)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name({"cn": f"{name} Root CA (test)", "organization": name, "country": "FR"})
        root = self._ca_certificate(root_name, root_name, root_key.public_key(), root_key, start, path_length=1)
        self.root = _Signer(root, root_key)
        issuing_key = ec.generate_private_key(ec.SECP256R1())
        issuing_name = _name({"cn": f"{name} Cartes (test)", "organization": name, "country": "FR"})
        issuing = self._ca_certificate(issuing_name, root_name, issuing_key.public_key(), root_key, start,
                                       path_length=0)
        self.issuing = _Signer(issuing, issuing_key)
        self.ca_bundle = directory / "ca-bundle.pem"
        self.ca_bundle.write_bytes(_pem(root) + _pem(issuing))
        self.root_crl = directory / "root.crl"
        self.issuing_crl = directory / "issuing.crl"
        self.write_crls()
        self._cards = 0

    @staticmethod
    def _ca_certificate(subject, issuer, public_key, signing_key, start, path_length: int) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                              data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                              encipher_only=False, decipher_only=False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(signing_key, hashes.SHA256())
        )

    def settings(self, store: str) -> dict:
        """The ini keys of a trust store ``store`` made of this authority."""
        return {
            f"opalexe.trust.{store}.ca_bundle": str(self.ca_bundle),
            f"opalexe.trust.{store}.crl": f"{self.root_crl} {self.issuing_crl}",
        }

    # -- cards -----------------------------------------------------------------------------

    def issue(
        self,
        subject: dict,
        *,
        emails: tuple[str, ...] = (),
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        usage: str = "client",
        filename: str | None = None,
    ) -> Card:
        """A card's certificate for ``subject`` (keys of :data:`NAME_ATTRIBUTES`),
        valid from yesterday for a year unless told; ``usage`` ``client`` (TLS
        client authentication), ``email`` (an e-mail protection certificate:
        the wrong usage for a login) or ``encipherment`` (a key that cannot sign)."""
        self._cards += 1
        key = ec.generate_private_key(ec.SECP256R1())
        start = not_before or _now() - datetime.timedelta(days=1)
        end = not_after or start + datetime.timedelta(days=365)
        signing = usage != "encipherment"
        eku = ExtendedKeyUsageOID.EMAIL_PROTECTION if usage == "email" else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(self.issuing.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(digital_signature=signing, content_commitment=False, key_encipherment=not signing,
                              data_encipherment=False, key_agreement=not signing, key_cert_sign=False,
                              crl_sign=False, encipher_only=False, decipher_only=False),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issuing.key.public_key()), critical=False
            )
        )
        if emails:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email) for email in emails]), critical=False
            )
        certificate = builder.sign(self.issuing.key, hashes.SHA256())
        stem = self.directory / (filename or f"card-{self._cards}")
        card = Card(certificate, key, stem.with_suffix(".pem"), stem.with_suffix(".key"))
        card.cert_path.write_bytes(_pem(certificate))
        card.chain_path.write_bytes(_pem(certificate) + _pem(self.issuing.certificate))
        card.key_path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        )
        return card

    def revoke(self, card: Card, when: datetime.datetime | None = None) -> None:
        """Put ``card`` on the intermediate's CRL, written again at once."""
        self.issuing.revoked[card.certificate.serial_number] = when or _now() - datetime.timedelta(minutes=1)
        self.write_crls()

    def write_crls(self, *, next_update: datetime.datetime | None = None) -> None:
        """Both CRLs, issued now and valid for a week (or until ``next_update``:
        one in the past makes them out of date)."""
        self._write_crl(self.root, self.root_crl, next_update)
        self._write_crl(self.issuing, self.issuing_crl, next_update)

    def _write_crl(self, signer: _Signer, path: Path, next_update) -> None:
        now = _now()
        next_update = next_update or now + CRL_LIFETIME
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(signer.certificate.subject)
            .last_update(min(now - datetime.timedelta(minutes=5), next_update - CRL_LIFETIME))
            .next_update(next_update)
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.key.public_key()), critical=False
            )
        )
        for serial, when in signer.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        crl = builder.sign(signer.key, hashes.SHA256())
        path.write_bytes(crl.public_bytes(serialization.Encoding.DER))


@dataclass
class CardAuthorities:
    """One throwaway authority per card provider, and a stranger nobody trusts."""

    certeurope: TestAuthority
    justice: TestAuthority
    rpva: TestAuthority
    stranger: TestAuthority

    def settings(self) -> dict:
        """The trust stores of the three providers (named after them)."""
        return {**self.certeurope.settings("certeurope"), **self.justice.settings("justice"),
                **self.rpva.settings("rpva")}


def make_card_authorities(directory: Path) -> CardAuthorities:
    return CardAuthorities(
        certeurope=TestAuthority(directory / "certeurope", "CertEurope"),
        justice=TestAuthority(directory / "justice", "Ministère de la Justice"),
        rpva=TestAuthority(directory / "rpva", "Conseil National des Barreaux"),
        stranger=TestAuthority(directory / "stranger", "Autorité inconnue"),
    )
