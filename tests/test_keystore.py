"""The platform's token: sessions on SoftHSM2 through its settings."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import KeyType, ObjectClass

from opalexe_core.keystore import KeyStore, KeyStoreError, PKCS11Settings
from opalexe_core.services.keys import ensure_master_key, unwrap_key, wrap_key
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


_LOGGING_IN = """
import sys, pkcs11
token = pkcs11.lib(sys.argv[1]).get_token(token_label=sys.argv[2])
print("ready", flush=True)
for _ in range(int(sys.argv[4])):
    token.open(rw=True, user_pin=sys.argv[3]).close()
"""


def _log_in_elsewhere(token, times: int):
    return subprocess.Popen([sys.executable, "-c", _LOGGING_IN, token.module_path, token.label, token.pin, str(times)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, **token.env})


def _store_with_master_key(token) -> KeyStore:
    store = KeyStore(PKCS11Settings(token.module_path, token.label, token.pin))
    ensure_master_key(store)
    return store


def _token_files(token) -> dict:
    return {path: path.read_bytes() for path in sorted(Path(token.token_dir).rglob("*")) if path.is_file()}


def test_the_process_logs_in_once_and_keeps_its_session(softhsm_token):
    # SoftHSM rewrites its token file at each login; a process logging in at
    # each use made another process reading the token then find no token.
    store = _store_with_master_key(softhsm_token)
    file_id = b"f" * 16
    wrapped = wrap_key(store, b"k" * 32, file_id)
    before = _token_files(softhsm_token)
    for _ in range(5):
        assert unwrap_key(KeyStore(store.settings), wrapped, file_id) == b"k" * 32
    assert _token_files(softhsm_token) == before
    other = _log_in_elsewhere(softhsm_token, 1)  # a login does rewrite it: the check above can fail
    other.communicate(timeout=30)
    assert other.returncode == 0
    assert _token_files(softhsm_token) != before


def test_threads_of_a_process_take_turns_on_the_token(softhsm_token):
    store = _store_with_master_key(softhsm_token)
    results, start = [], threading.Barrier(6)

    def use(n):
        start.wait()
        for i in range(20):
            file_id = bytes([n, i]) * 8
            results.append(unwrap_key(store, wrap_key(store, bytes([n]) * 32, file_id), file_id) == bytes([n]) * 32)

    threads = [threading.Thread(target=use, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [True] * 120


def test_uses_go_on_while_another_process_logs_in_and_out(softhsm_token):
    store = _store_with_master_key(softhsm_token)
    file_id = b"g" * 16
    wrapped = wrap_key(store, b"k" * 32, file_id)
    other = _log_in_elsewhere(softhsm_token, 300)
    try:
        assert other.stdout.readline().strip() == "ready"
        served = 0
        while other.poll() is None:
            # each use as a request makes it: a store of its own
            assert unwrap_key(KeyStore(store.settings), wrapped, file_id) == b"k" * 32
            served += 1
        assert other.returncode == 0 and served > 0
    finally:
        other.kill()
        other.wait()
