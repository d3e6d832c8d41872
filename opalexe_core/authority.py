"""The platform's certificate authority (CA): certificates and revocation
lists signed by a key that never leaves the PKCS#11 token.

Participants without a card (parties, intervenants, sapiteurs and
co-experts without one) may log in with a *software certificate*: a
PKCS#12 file holding their own key and a certificate this CA issued, valid
three years (the terms of use bill it 15 € HT). The CA's private key is an
EC P-256 key generated on the token, marked sensitive and not extractable:
every signature is made by the token (PKCS#11 ``CKM_ECDSA`` on a SHA-256
digest), so no private key of the CA exists in a file, the database or the
process's memory.

Certificates and CRLs are built with asn1crypto (the ASN.1 library under
python-pkcs11 and pyhanko-certvalidator): a "to be signed" structure is
serialised, its digest signed by the token, and the signature appended.
The participant's key pair and its PKCS#12 container are made with
``cryptography`` in memory, for one download, and never stored.

This module does cryptography only; who may issue or revoke, and what is
recorded, is :mod:`opalexe_core.services.certificates`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pkcs11
from asn1crypto import crl, keys, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_ecdsa_signature, encode_named_curve_parameters

from .keystore import KeyStore, KeyStoreError

#: The label of the CA's key pair and certificate on the token.
CA_LABEL = "opalexe-ca"
CA_VALIDITY_YEARS = 10
#: A software certificate's life, as the terms of use sell it.
CERTIFICATE_VALIDITY_YEARS = 3
#: How long a CRL is valid: a verifier refuses a CRL past its next update,
#: so `opalexe ca crl` must run more often than this (a daily timer).
CRL_VALIDITY = timedelta(days=7)
PARTICIPANT_KEY_BITS = 2048
SIGNATURE_ALGORITHM = {"algorithm": "sha256_ecdsa"}

#: Revocation reasons offered to the expert (RFC 5280 CRLReason names).
REVOCATION_REASONS = ("unspecified", "key_compromise", "superseded", "cessation_of_operation")


class AuthorityError(KeyStoreError):
    """The CA cannot do what was asked (no key on the token…); the message says why."""


@dataclass(frozen=True)
class SubjectFacts:
    """Who a certificate is for."""

    common_name: str
    email: str
    organization: str = "Opalexe"


@dataclass(frozen=True)
class Revoked:
    serial: int
    revoked_at: datetime
    reason: str = "unspecified"


def add_years(moment: datetime, years: int) -> datetime:
    """The same day ``years`` later (28 February for a 29 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def new_serial() -> int:
    """A random positive serial of 159 bits (RFC 5280: at most 20 octets, and
    unpredictable, CA/Browser Forum style)."""
    return secrets.randbits(159) | (1 << 158)


def _time(moment: datetime) -> x509.Time:
    """UTCTime until 2049, GeneralizedTime afterwards (RFC 5280 4.1.2.5)."""
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return x509.Time({"utc_time" if moment.year < 2050 else "general_time": moment})


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def subject_text(name: x509.Name) -> str:
    return name.human_friendly


class CertificateAuthority:
    """The CA whose key is the token's ``label`` key pair."""

    def __init__(self, keystore: KeyStore, label: str = CA_LABEL):
        self.keystore = keystore
        self.label = label

    # -- the CA itself ------------------------------------------------------------------

    def exists(self) -> bool:
        with self.keystore.session() as session:
            return bool(list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                                   Attribute.LABEL: self.label})))

    def create(self, now: datetime, platform_name: str = "Opalexe") -> bytes:
        """Generate the CA's key pair on the token (sensitive, never
        extractable), sign its own certificate and keep it on the token;
        returns the certificate (DER). Refused if the token has the key already."""
        if self.exists():
            raise AuthorityError(f"the token already holds the CA key {self.label!r}")
        name = x509.Name.build({
            "country_name": "FR",
            "organization_name": platform_name,
            "common_name": f"{platform_name} – autorité des certificats logiciels",
        })
        with self.keystore.session(rw=True) as session:
            parameters = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            public, _private = parameters.generate_keypair(
                store=True, label=self.label,
                public_template={Attribute.TOKEN: True, Attribute.VERIFY: True},
                private_template={Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                                  Attribute.EXTRACTABLE: False, Attribute.SIGN: True},
            )
            public_info = keys.PublicKeyInfo.load(encode_ec_public_key(public))
            not_before = now - timedelta(minutes=5)
            tbs = x509.TbsCertificate({
                "version": "v3",
                "serial_number": new_serial(),
                "signature": SIGNATURE_ALGORITHM,
                "issuer": name,
                "validity": {"not_before": _time(not_before),
                             "not_after": _time(add_years(not_before, CA_VALIDITY_YEARS))},
                "subject": name,
                "subject_public_key_info": public_info,
                "extensions": [
                    {"extn_id": "basic_constraints", "critical": True,
                     "extn_value": {"ca": True, "path_len_constraint": 0}},
                    {"extn_id": "key_usage", "critical": True,
                     "extn_value": x509.KeyUsage({"key_cert_sign", "crl_sign"})},
                    {"extn_id": "key_identifier", "critical": False, "extn_value": public_info.sha1},
                ],
            })
            der = self._signed_certificate(session, tbs)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: self.label,
                Attribute.SUBJECT: name.dump(),
                Attribute.VALUE: der,
            })
        return der

    def certificate(self) -> bytes:
        """The CA's certificate (DER), as kept on the token."""
        with self.keystore.session() as session:
            found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: self.label}))
            if not found:
                raise AuthorityError(f"the token holds no CA certificate {self.label!r}: run `opalexe ca`")
            return bytes(found[0][Attribute.VALUE])

    # -- issuing -------------------------------------------------------------------------

    def issue(self, ca_der: bytes, subject: SubjectFacts, public_key_der: bytes, now: datetime,
              crl_url: str | None = None, serial: int | None = None) -> bytes:
        """A client-authentication certificate for ``public_key_der`` (a
        SubjectPublicKeyInfo, DER), valid :data:`CERTIFICATE_VALIDITY_YEARS`
        from ``now``; returns its DER."""
        ca = x509.Certificate.load(ca_der)
        public_info = keys.PublicKeyInfo.load(public_key_der)
        not_before = now - timedelta(minutes=5)
        extensions = [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": x509.KeyUsage({"digital_signature", "key_encipherment"})},
            {"extn_id": "extended_key_usage", "critical": False, "extn_value": ["client_auth"]},
            {"extn_id": "key_identifier", "critical": False, "extn_value": public_info.sha1},
            {"extn_id": "authority_key_identifier", "critical": False,
             "extn_value": {"key_identifier": ca.key_identifier}},
            {"extn_id": "subject_alt_name", "critical": False,
             "extn_value": [x509.GeneralName(name="rfc822_name", value=subject.email)]},
        ]
        if crl_url:
            extensions.append({"extn_id": "crl_distribution_points", "critical": False, "extn_value": [
                {"distribution_point": x509.DistributionPointName(
                    name="full_name", value=[x509.GeneralName(name="uniform_resource_identifier", value=crl_url)])}
            ]})
        tbs = x509.TbsCertificate({
            "version": "v3",
            "serial_number": serial or new_serial(),
            "signature": SIGNATURE_ALGORITHM,
            "issuer": ca.subject,
            "validity": {"not_before": _time(not_before),
                         "not_after": _time(add_years(now, CERTIFICATE_VALIDITY_YEARS))},
            "subject": x509.Name.build({
                "country_name": "FR",
                "organization_name": subject.organization,
                "organizational_unit_name": "Certificats logiciels",
                "common_name": subject.common_name,
                "email_address": subject.email,
            }),
            "subject_public_key_info": public_info,
            "extensions": extensions,
        })
        with self.keystore.session() as session:
            return self._signed_certificate(session, tbs)

    def sign_crl(self, ca_der: bytes, revoked: list[Revoked], number: int, now: datetime,
                 validity: timedelta = CRL_VALIDITY) -> bytes:
        """A CRL (v2, DER) listing ``revoked``, numbered ``number``, valid from
        ``now`` for ``validity``."""
        ca = x509.Certificate.load(ca_der)
        tbs = {
            "version": "v2",
            "signature": SIGNATURE_ALGORITHM,
            "issuer": ca.subject,
            "this_update": _time(now),
            "next_update": _time(now + validity),
            "crl_extensions": [
                {"extn_id": "crl_number", "critical": False, "extn_value": number},
                {"extn_id": "authority_key_identifier", "critical": False,
                 "extn_value": {"key_identifier": ca.key_identifier}},
            ],
        }
        if revoked:  # RFC 5280: absent, not empty, when nothing is revoked
            tbs["revoked_certificates"] = [
                {"user_certificate": entry.serial, "revocation_date": _time(entry.revoked_at),
                 "crl_entry_extensions": [{"extn_id": "crl_reason", "critical": False, "extn_value": entry.reason}]}
                for entry in revoked
            ]
        tbs_list = crl.TbsCertList(tbs)
        with self.keystore.session() as session:
            signature = self._sign(session, tbs_list.dump())
        return crl.CertificateList({"tbs_cert_list": tbs_list, "signature_algorithm": SIGNATURE_ALGORITHM,
                                    "signature": signature}).dump()

    # -- the token signs -----------------------------------------------------------------

    def _private_key(self, session):
        try:
            return session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.label)
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as error:
            raise AuthorityError(f"the token holds no single CA key {self.label!r}: run `opalexe ca`") from error

    def _sign(self, session, data: bytes) -> bytes:
        digest = hashlib.sha256(data).digest()
        raw = self._private_key(session).sign(digest, mechanism=Mechanism.ECDSA)
        return encode_ecdsa_signature(raw)

    def _signed_certificate(self, session, tbs: x509.TbsCertificate) -> bytes:
        signature = self._sign(session, tbs.dump())
        return x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": SIGNATURE_ALGORITHM,
                                 "signature_value": signature}).dump()


# -- the participant's side: a key pair and its PKCS#12, in memory -------------------------


def new_participant_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=PARTICIPANT_KEY_BITS)


def public_key_der(private_key) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def pkcs12_bundle(private_key, certificate_der: bytes, ca_der: bytes, password: str, friendly_name: str) -> bytes:
    """The participant's key, its certificate and the CA's, encrypted with
    ``password`` (AES-256 and PBKDF2, as current systems read it)."""
    from cryptography import x509 as cx509

    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"), private_key, cx509.load_der_x509_certificate(certificate_der),
        [cx509.load_der_x509_certificate(ca_der)],
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )


def certificate_pem(der: bytes) -> str:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der).decode("ascii")


def crl_pem(der: bytes) -> str:
    from asn1crypto import pem

    return pem.armor("X509 CRL", der).decode("ascii")


__all__ = [
    "CA_LABEL",
    "CERTIFICATE_VALIDITY_YEARS",
    "CRL_VALIDITY",
    "REVOCATION_REASONS",
    "AuthorityError",
    "CertificateAuthority",
    "Revoked",
    "SubjectFacts",
    "add_years",
    "certificate_pem",
    "crl_pem",
    "fingerprint",
    "new_participant_key",
    "pkcs12_bundle",
    "public_key_der",
    "subject_text",
]
