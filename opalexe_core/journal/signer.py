"""The platform's signing key, on the PKCS#11 token, and its certificate.

One ECDSA P-256 key pair, labelled :data:`KEY_LABEL`, signs the journal's
tree heads and the evidences. It is generated on the token (sensitive,
never extractable: no copy of it exists anywhere else) by
``opalexe audit keygen``, with a self-signed X.509 certificate, also kept on
the token, that people verify signatures against (``/preuves/certificat.pem``).
Signatures are DER-encoded ECDSA over SHA-256 (``ecdsa-with-SHA256``), as
``openssl dgst -sha256 -verify`` and ``cryptography`` read them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pkcs11
from asn1crypto import keys, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from ..keystore import KeyStore, KeyStoreError

KEY_LABEL = "opalexe-signature"
CERTIFICATE_YEARS = 10


class Signer:
    """Signs on the token with the platform's key; :meth:`certificate` is public."""

    def __init__(self, keystore: KeyStore):
        self.keystore = keystore
        self._certificate: bytes | None = None

    @classmethod
    def from_settings(cls, settings) -> Signer | None:
        pkcs11_settings = getattr(settings, "pkcs11", None)
        if pkcs11_settings is None or not pkcs11_settings.configured:
            return None
        return cls(KeyStore(pkcs11_settings))

    # -- the key -------------------------------------------------------------------------

    def has_key(self) -> bool:
        with self.keystore.session() as session:
            return self._private_key(session) is not None

    def ensure_key(self, common_name: str = "Opalexe") -> bool:
        """Generate the key pair and its certificate on the token unless they
        exist; True when they were made now."""
        with self.keystore.session(rw=True) as session:
            if self._private_key(session) is not None:
                return False
            parameters = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            public, private = parameters.generate_keypair(
                store=True, label=KEY_LABEL,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True,
                                  Attribute.PRIVATE: True, Attribute.TOKEN: True},
            )
            certificate = _self_signed(encode_ec_public_key(public), private, common_name)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: KEY_LABEL,
                Attribute.SUBJECT: x509.Certificate.load(certificate).subject.dump(),
                Attribute.VALUE: certificate,
            })
            self._certificate = certificate
            return True

    @staticmethod
    def _private_key(session):
        try:
            return session.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, label=KEY_LABEL)
        except pkcs11.NoSuchKey:
            return None

    # -- using it ------------------------------------------------------------------------------

    def certificate(self) -> bytes:
        """The platform's certificate (DER)."""
        if self._certificate is None:
            with self.keystore.session() as session:
                found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                                  Attribute.LABEL: KEY_LABEL}))
                if not found:
                    raise KeyStoreError(f"no certificate {KEY_LABEL!r} on the token: run `opalexe audit keygen`")
                self._certificate = bytes(found[0][Attribute.VALUE])
        return self._certificate

    def certificate_pem(self) -> str:
        return certificate_pem(self.certificate())

    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate()).hexdigest()

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 over SHA-256 of ``data``, DER-encoded, made on the token."""
        with self.keystore.session() as session:
            key = self._private_key(session)
            if key is None:
                raise KeyStoreError(f"no key {KEY_LABEL!r} on the token: run `opalexe audit keygen`")
            return _der(key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA))


def _der(raw: bytes) -> bytes:
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def _self_signed(public_der: bytes, private, common_name: str) -> bytes:
    name = x509.Name.build({"common_name": f"{common_name} — cachet de la plateforme", "country_name": "FR"})
    now = datetime.now(UTC).replace(microsecond=0)
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": secrets.randbits(63),
        "signature": {"algorithm": "sha256_ecdsa"},
        "issuer": name,
        "validity": {"not_before": x509.Time({"utc_time": now - timedelta(minutes=5)}),
                     "not_after": x509.Time({"general_time": now + timedelta(days=365 * CERTIFICATE_YEARS)})},
        "subject": name,
        "subject_public_key_info": keys.PublicKeyInfo.load(public_der),
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": {"digital_signature", "non_repudiation"}},
        ],
    })
    signature = _der(private.sign(hashlib.sha256(tbs.dump()).digest(), mechanism=Mechanism.ECDSA))
    return x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                             "signature_value": signature}).dump()


def certificate_pem(der: bytes) -> str:
    return cx509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode("ascii")


def verify_with(certificate_pem_text: str | bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` (DER ECDSA-SHA256) of ``data`` verifies with the
    certificate's public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    if isinstance(certificate_pem_text, str):
        certificate_pem_text = certificate_pem_text.encode("ascii")
    public_key = cx509.load_pem_x509_certificate(certificate_pem_text).public_key()
    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint_of_pem(pem: str | bytes) -> str:
    if isinstance(pem, str):
        pem = pem.encode("ascii")
    certificate = cx509.load_pem_x509_certificate(pem)
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
