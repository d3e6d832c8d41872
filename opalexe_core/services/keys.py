"""The documents' master key, held in the platform's PKCS#11 token.

Each document's own key (:mod:`opalexe_core.services.sealing`) is stored
only wrapped: encrypted with AES-256-GCM *by the token* under the master
key, an AES-256 secret key object found by its label
(:data:`MASTER_KEY_LABEL`), created sensitive and not extractable: its value
never leaves the token. ``opalexe init`` creates it (:func:`ensure_master_key`)
when the settings name a token. The wrapped key's associated data names the
document's file id, so a wrapped key copied to another document unwraps to
nothing.
"""

from __future__ import annotations

import logging
import os

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.mechanisms import GCMParams

from ..keystore import KeyStore, KeyStoreError, PKCS11Settings

log = logging.getLogger(__name__)

#: The label of the documents' master key in the token.
MASTER_KEY_LABEL = "opalexe-documents-master"
_WRAP_NONCE = 12
_WRAP_CONTEXT = b"opalexe document key\x00"


class MasterKeyMissing(KeyStoreError):
    """The token holds no documents' master key: ``opalexe init`` creates it."""


class KeyUnwrapRefused(KeyStoreError):
    """The token does not authenticate a wrapped key: it was altered, or
    belongs to another document or another master key."""


def keystore(pkcs11_settings: PKCS11Settings) -> KeyStore:
    """The token the settings name (:class:`KeyStoreError` when none is)."""
    return KeyStore(pkcs11_settings)


def _master_key(session, label: str):
    try:
        return session.get_key(object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES, label=label)
    except pkcs11.NoSuchKey:
        raise MasterKeyMissing(
            f"the PKCS#11 token holds no key labelled {label!r}: run `opalexe init` to create it"
        ) from None


def ensure_master_key(store: KeyStore, label: str = MASTER_KEY_LABEL) -> bool:
    """Create the master key unless the token holds it; True if created."""
    with store.session(rw=True) as session:
        try:
            _master_key(session, label)
            return False
        except MasterKeyMissing:
            pass
        session.generate_key(
            KeyType.AES, 256, label=label, store=True,
            template={
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.ENCRYPT: True,
                Attribute.DECRYPT: True,
                Attribute.WRAP: False,
                Attribute.UNWRAP: False,
                Attribute.PRIVATE: True,
            },
        )
        log.info("documents' master key %r created in token %r", label, store.settings.token_label)
        return True


def wrap_key(store: KeyStore, key: bytes, file_id: bytes, label: str = MASTER_KEY_LABEL) -> bytes:
    """``key`` encrypted by the token under the master key: nonce | ciphertext | tag."""
    nonce = os.urandom(_WRAP_NONCE)
    with store.session() as session:
        master = _master_key(session, label)
        wrapped = master.encrypt(key, mechanism=Mechanism.AES_GCM,
                                 mechanism_param=GCMParams(nonce, _WRAP_CONTEXT + file_id))
    return nonce + bytes(wrapped)


def unwrap_key(store: KeyStore, wrapped: bytes, file_id: bytes, label: str = MASTER_KEY_LABEL) -> bytes:
    """The document key ``wrapped`` holds; :class:`KeyUnwrapRefused` if the
    token does not authenticate it (another master key, another document),
    :class:`KeyStoreError` if the token cannot be used."""
    with store.session() as session:
        master = _master_key(session, label)
        try:
            key = master.decrypt(wrapped[_WRAP_NONCE:], mechanism=Mechanism.AES_GCM,
                                 mechanism_param=GCMParams(wrapped[:_WRAP_NONCE], _WRAP_CONTEXT + file_id))
        except pkcs11.PKCS11Error as error:
            raise KeyUnwrapRefused(f"the token refuses to unwrap this document's key ({error!r})") from error
    return bytes(key)
