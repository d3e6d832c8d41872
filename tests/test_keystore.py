"""The platform's token: sessions on SoftHSM2 through its settings."""

import pkcs11
import pytest
from pkcs11 import KeyType, ObjectClass

from opalexe_core.keystore import KeyStore, KeyStoreError, PKCS11Settings
from opalexe_core.settings import Settings


def test_the_settings_name_the_token_and_take_the_pin_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPALEXE_PKCS11_PIN", "4321")
    settings = Settings.from_ini({"opalexe.environment": "test", "opalexe.pkcs11.module": "/usr/lib/x.so",
                                  "opalexe.pkcs11.token_label": "opalexe"})
    assert settings.pkcs11 == PKCS11Settings("/usr/lib/x.so", "opalexe", "4321")


def test_a_session_reaches_keys_made_on_the_token(softhsm_token):
    store = KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label, softhsm_token.pin))
    with store.session(rw=True) as session:
        session.generate_key(KeyType.AES, 256, label="maitre", store=True)
    with store.session() as session:
        [key] = session.get_objects({pkcs11.Attribute.LABEL: "maitre", pkcs11.Attribute.CLASS: ObjectClass.SECRET_KEY})
        assert key.key_type == KeyType.AES


def test_a_wrong_pin_or_an_absent_token_says_so(softhsm_token):
    with pytest.raises(KeyStoreError, match="cannot log in"):
        with KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label, "0000")).session():
            pass
    with pytest.raises(KeyStoreError, match="unreachable"):
        KeyStore(PKCS11Settings(softhsm_token.module_path, "absent", "1234")).token()
    with pytest.raises(KeyStoreError, match="no PKCS#11 token configured"):
        KeyStore(PKCS11Settings())
