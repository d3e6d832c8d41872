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
(``pkcs11.lib(path)``). A process logs in to the token once and keeps that
session for its lifetime (:meth:`KeyStore.session`): a login is costly on a
hardware module, and SoftHSM rewrites its token file at every login, which
another process reading the token at that moment sees as a missing token
or a ``GeneralError``. Opening the token retries such transient failures a
few times before giving up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass

import pkcs11

log = logging.getLogger(__name__)

#: Failures another process's use of the token can cause for a moment
#: (SoftHSM's token file being rewritten): opening is tried again.
_TRANSIENT = (pkcs11.GeneralError, pkcs11.NoSuchToken, pkcs11.TokenNotPresent, pkcs11.DeviceError)
#: Pauses between attempts at opening the token, in seconds.
_RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4)


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

    def token(self):
        """The token (``pkcs11.Token``); :class:`KeyStoreError` if unreachable."""
        with _SESSIONS:
            return self._login().token

    @contextlib.contextmanager
    def session(self, rw: bool = False):
        """The process's logged-in session on the token.

        A PKCS#11 login belongs to the whole process, not to a session, and
        python-pkcs11's sessions are not thread-safe: the process's uses of
        the token take turns (:data:`_SESSIONS`) on one read-write session,
        logged in on first use and kept open. A use inside another of the
        same thread gets a session of its own, sharing the login, closed
        after it. A PKCS#11 error escaping a use drops the kept session: the
        next use logs in again. ``rw`` is accepted for callers' clarity; the
        kept session is read-write."""
        global _depth
        with _SESSIONS:
            login = self._login()
            if _depth:
                try:
                    session = login.token.open(rw=rw)
                except pkcs11.PKCS11Error as error:
                    raise KeyStoreError(
                        f"cannot open a session on PKCS#11 token {self.settings.token_label!r}: {error!r}") from error
                try:
                    yield session
                finally:
                    session.close()
                return
            _depth += 1
            try:
                yield login.session
            except pkcs11.PKCS11Error:
                self._forget(login)
                raise
            finally:
                _depth -= 1

    # -- the process's login ---------------------------------------------------------------

    def _key(self) -> tuple:
        # The process id: a forked child must log in again; SOFTHSM2_CONF:
        # the test kit starts one SoftHSM configuration after another.
        return (os.getpid(), self.settings.module, self.settings.token_label, self.settings.pin,
                self.settings.softhsm2_conf or os.environ.get("SOFTHSM2_CONF", ""))

    def _login(self) -> _Login:
        key = self._key()
        login = _LOGINS.get(key)
        if login is None:
            login = _LOGINS[key] = self._log_in_retrying()
        return login

    def _log_in_retrying(self) -> _Login:
        """:meth:`_log_in`, tried again after each of :data:`_RETRY_PAUSES`
        while it fails for a moment (:data:`_TRANSIENT`)."""
        for pause in _RETRY_PAUSES:
            try:
                return self._log_in()
            except _TRANSIENT as error:
                log.warning("PKCS#11 token %r: %r, trying again", self.settings.token_label, error)
                time.sleep(pause)
        try:
            return self._log_in()
        except _TRANSIENT as error:
            raise self._unreachable(error) from error

    def _unreachable(self, error: Exception) -> KeyStoreError:
        return KeyStoreError(f"PKCS#11 token {self.settings.token_label!r} of {self.settings.module} "
                             f"unreachable: {error!r}")

    def _log_in(self) -> _Login:
        if self.settings.softhsm2_conf:
            os.environ["SOFTHSM2_CONF"] = self.settings.softhsm2_conf
        try:
            token = pkcs11.lib(self.settings.module).get_token(token_label=self.settings.token_label)
        except _TRANSIENT:
            raise
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as error:
            raise self._unreachable(error) from error
        try:
            try:
                session = token.open(rw=True, user_pin=self.settings.pin or None)
            except pkcs11.UserAlreadyLoggedIn:  # another session of the process holds the login
                session = token.open(rw=True)
        except _TRANSIENT:
            raise
        except pkcs11.PKCS11Error as error:
            raise KeyStoreError(
                f"cannot log in to PKCS#11 token {self.settings.token_label!r}: {error!r}") from error
        return _Login(token, session)

    def _forget(self, login: _Login) -> None:
        key = self._key()
        if _LOGINS.get(key) is login:
            del _LOGINS[key]
        try:
            login.session.close()
        except pkcs11.PKCS11Error:
            pass


@dataclass
class _Login:
    token: object
    session: object


#: The process's uses of its tokens, one at a time (see :meth:`KeyStore.session`).
_SESSIONS = threading.RLock()
#: How many uses the thread holding :data:`_SESSIONS` has open.
_depth = 0
#: The process's logged-in sessions, by token.
_LOGINS: dict[tuple, _Login] = {}
