"""The platform's PKCS#11 token: where every key of the platform lives.

The master key that wraps the documents' keys (documents), the key that
signs the journal's tree heads and the evidences (traceability) and the key
of the platform's certificate authority (software certificates) are objects
of one token, found by their label; no private or secret key of the platform
is ever written anywhere else. SoftHSM2 stands in for a hardware module in
development and tests (``SOFTHSM2_CONF`` names its configuration); production
names its module.

Settings (``Settings.pkcs11``): ``opalexe.pkcs11.module`` (the module's path,
e.g. ``/usr/lib/softhsm/libsofthsm2.so``), ``opalexe.pkcs11.token_label`` and
the user PIN, ``opalexe.pkcs11.pin``; each, when empty, from the environment
(``OPALEXE_PKCS11_MODULE``, ``OPALEXE_PKCS11_TOKEN_LABEL``,
``OPALEXE_PKCS11_PIN``). SoftHSM2 reads its configuration from the file
named by ``SOFTHSM2_CONF``: ``opalexe.pkcs11.softhsm2_conf`` sets it for the
process before the module is loaded (development.ini names the token that
``make run`` creates under ``var/``).

PKCS#11 libraries are process-wide: python-pkcs11 loads a module once
(``pkcs11.lib(path)``); sessions are opened per use and closed after it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass

import pkcs11


class KeyStoreError(RuntimeError):
    """The token cannot be reached or lacks a key; the message says which."""


@dataclass(frozen=True)
class PKCS11Settings:
    """Where the token is. ``module`` empty: the platform has no token (the
    features needing keys refuse to start, saying so)."""

    module: str = ""
    token_label: str = ""
    pin: str = ""
    softhsm2_conf: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.module and self.token_label)


class KeyStore:
    """Sessions on the platform's token."""

    def __init__(self, settings: PKCS11Settings):
        if not settings.configured:
            raise KeyStoreError("no PKCS#11 token configured: set opalexe.pkcs11.module and opalexe.pkcs11.token_label")
        self.settings = settings
        self._lock = threading.Lock()
        self._token = None

    def token(self):
        with self._lock:
            if self._token is None:
                if self.settings.softhsm2_conf:
                    os.environ["SOFTHSM2_CONF"] = self.settings.softhsm2_conf
                try:
                    lib = pkcs11.lib(self.settings.module)
                    self._token = lib.get_token(token_label=self.settings.token_label)
                except (pkcs11.PKCS11Error, RuntimeError, OSError) as error:
                    raise KeyStoreError(
                        f"PKCS#11 token {self.settings.token_label!r} of {self.settings.module} unreachable: {error!r}"
                    ) from error
            return self._token

    @contextlib.contextmanager
    def session(self, rw: bool = False):
        """A logged-in session, closed afterwards.

        A PKCS#11 login belongs to the whole process, not to a session: a
        second login while a session is open fails (``UserAlreadyLoggedIn``),
        and closing the last session logs out the others. Sessions of the
        process therefore take turns (:data:`_SESSIONS`); one opened inside
        another of the same thread shares its login."""
        with _SESSIONS:
            token = self.token()
            try:
                try:
                    session = token.open(rw=rw, user_pin=self.settings.pin or None)
                except pkcs11.UserAlreadyLoggedIn:  # inside another session of this thread
                    session = token.open(rw=rw)
            except pkcs11.PKCS11Error as error:
                raise KeyStoreError(
                    f"cannot log in to PKCS#11 token {self.settings.token_label!r}: {error!r}") from error
            try:
                yield session
            finally:
                session.close()


#: The process's PKCS#11 sessions, one at a time (see :meth:`KeyStore.session`).
_SESSIONS = threading.RLock()
