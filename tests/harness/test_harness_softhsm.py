"""A SoftHSM token signs on the token; the signature verifies outside it."""

import hashlib
import os

import pkcs11
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from pytest_opalexe import softhsm
from pytest_opalexe.errors import MissingBinaryError
from pytest_opalexe.softhsm import SoftHSMToken

DOCUMENT = "Rapport d'expertise — conclusions définitives".encode()


def generate_p256_keypair(session, label="signature"):
    parameters = session.create_domain_parameters(
        KeyType.EC,
        {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
        local=True,
    )
    return parameters.generate_keypair(store=True, label=label)


def sign_on_token(private_key, data):
    """ECDSA P-256/SHA-256; SoftHSM 2.6 only offers raw CKM_ECDSA."""
    raw = private_key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
    half = len(raw) // 2
    r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    return encode_dss_signature(r, s)


def test_token_is_configured(softhsm_token):
    assert os.environ["SOFTHSM2_CONF"] == softhsm_token.conf_path
    assert os.path.exists(softhsm_token.module_path)
    assert softhsm_token.get_token().label == softhsm_token.label


def test_sign_on_token_verify_with_cryptography(softhsm_token):
    with softhsm_token.open_session() as session:
        public_key, private_key = generate_p256_keypair(session)
        signature = sign_on_token(private_key, DOCUMENT)

        der = encode_ec_public_key(public_key)
        verifier = serialization.load_der_public_key(der)
        assert isinstance(verifier.curve, ec.SECP256R1)
        verifier.verify(signature, DOCUMENT, ec.ECDSA(hashes.SHA256()))
        with pytest.raises(InvalidSignature):
            verifier.verify(signature, DOCUMENT + b".", ec.ECDSA(hashes.SHA256()))


def test_private_key_never_leaves_the_token(softhsm_token):
    with softhsm_token.open_session() as session:
        generate_p256_keypair(session, label="cachet")
        private_key = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, label="cachet"
        )
        assert private_key[Attribute.SENSITIVE] is True
        assert private_key[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.PKCS11Error):
            private_key[Attribute.VALUE]


def test_tokens_do_not_leak_between_tests(softhsm_token):
    with softhsm_token.open_session() as session:
        assert list(session.get_objects()) == []


def test_environment_is_restored_after_stop():
    before = os.environ.get("SOFTHSM2_CONF")
    with SoftHSMToken(label="ephemere") as token:
        assert os.environ["SOFTHSM2_CONF"] == token.conf_path
        conf_dir = token.dir
    assert os.environ.get("SOFTHSM2_CONF") == before
    assert not os.path.exists(conf_dir)


def test_missing_module_names_the_apt_package(monkeypatch):
    monkeypatch.setattr(softhsm, "MODULE_CANDIDATES", ("/nonexistent/*.so",))
    with pytest.raises(MissingBinaryError, match="apt-get install softhsm2"):
        softhsm.find_module()
