"""A throwaway SoftHSM v2 token, reachable through PKCS#11.

While the token is active, ``SOFTHSM2_CONF`` points at its private
configuration, so both this process (python-pkcs11) and child processes
(``pkcs11-tool``, ``openssl``...) see only this token.

    with SoftHSMToken() as token:
        session = token.open_session()
        ...

PKCS#11 libraries are process-global: python-pkcs11 loads each module
once (``pkcs11.lib(path)`` is cached) and SoftHSM reads its configuration
in ``C_Initialize``. The token therefore re-initializes the module when it
is first used and finalizes it on stop: only one ``SoftHSMToken`` should be
active at a time, and code under test should load the module through
``pkcs11.lib(token.module_path)`` (same path string) to share that state.
"""

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
from typing import Self

import pkcs11

from .errors import InfrastructureError, MissingBinaryError

ENV_VAR = "SOFTHSM2_CONF"
UTIL = "softhsm2-util"
MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/*/softhsm/libsofthsm2.so",
)


def find_module() -> str:
    """Return the path of SoftHSM's PKCS#11 module (``libsofthsm2.so``)."""
    for pattern in MODULE_CANDIDATES:
        for path in sorted(glob.glob(pattern)):
            if os.path.isfile(path):
                return path
    raise MissingBinaryError("SoftHSM PKCS#11 module libsofthsm2.so", "softhsm2")


def find_util() -> str:
    path = shutil.which(UTIL)
    if path is None:
        raise MissingBinaryError(UTIL, "softhsm2")
    return path


_PKCS11_LINE = re.compile(r"^opalexe\.pkcs11\.\w+ = .*\n", re.MULTILINE)


def with_token(ini_text: str, token: "SoftHSMToken", *, pin: bool = True) -> str:
    """An ini's text with its ``opalexe.pkcs11.*`` lines (development.ini's
    token) replaced by ``token``'s, put under ``[app:main]``; without ``pin``
    the PIN is left to ``OPALEXE_PKCS11_PIN``. ``SOFTHSM2_CONF`` (the token's
    ``env``) must name the token to the process."""
    lines = [f"opalexe.pkcs11.module = {token.module_path}\n", f"opalexe.pkcs11.token_label = {token.label}\n"]
    if pin:
        lines.append(f"opalexe.pkcs11.pin = {token.pin}\n")
    text = _PKCS11_LINE.sub("", ini_text)
    return text.replace("[app:main]\n", "[app:main]\n" + "".join(lines), 1)


def without_token(ini_text: str) -> str:
    """An ini's text without its ``opalexe.pkcs11.*`` lines: no token at all."""
    return _PKCS11_LINE.sub("", ini_text)


class SoftHSMToken:
    """An initialized SoftHSM token in a temporary directory."""

    def __init__(
        self,
        label: str = "opalexe-test",
        pin: str = "1234",
        so_pin: str = "12345678",
    ):
        self.label = label
        self.pin = pin
        self.so_pin = so_pin
        self.module_path: str | None = None
        self.dir: str | None = None
        self._saved_env: str | None = None
        self._sessions: list = []
        self._lib = None

    @property
    def conf_path(self) -> str:
        return os.path.join(self.dir, "softhsm2.conf")

    @property
    def token_dir(self) -> str:
        return os.path.join(self.dir, "tokens")

    @property
    def env(self) -> dict:
        """Environment variables a child process needs to see this token."""
        return {ENV_VAR: self.conf_path}

    @property
    def active(self) -> bool:
        return self.dir is not None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        if self.active:
            return self
        self.module_path = find_module()
        util = find_util()
        self.dir = tempfile.mkdtemp(prefix="opalexe-softhsm-")
        try:
            self._write_config()
            self._saved_env = os.environ.get(ENV_VAR)
            os.environ[ENV_VAR] = self.conf_path
            self._init_token(util)
            # Code under test loads the module with pkcs11.lib(module_path),
            # which returns the process's one instance: make it read this
            # token's configuration now, not the previous token's.
            self.lib  # noqa: B018
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            self._close_sessions()
            if self._lib is not None:
                self._lib.finalize()  # the next user re-reads SOFTHSM2_CONF
        finally:
            self._lib = None
            self._restore_env()
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- PKCS#11 -----------------------------------------------------------

    @property
    def lib(self):
        """The python-pkcs11 ``lib``, initialized against this token's config."""
        if not self.active:
            raise InfrastructureError("the SoftHSM token is not started")
        if self._lib is None:
            lib = pkcs11.lib(self.module_path)
            # The module may have been initialized earlier in this process
            # with another configuration: make SoftHSM read ours.
            lib.reinitialize()
            self._lib = lib
        return self._lib

    def get_token(self):
        """The ``pkcs11.Token`` object for this token."""
        return self.lib.get_token(token_label=self.label)

    def open_session(self):
        """Open a read-write session logged in with the user PIN.

        Logged in as the process already is when code under test holds a
        session. Sessions are closed when the token stops; closing them earlier
        (``session.close()`` or ``with``) is fine.
        """
        token = self.get_token()
        try:
            session = token.open(rw=True, user_pin=self.pin)
        except pkcs11.UserAlreadyLoggedIn:
            # The code under test keeps the process's login (opalexe_core's
            # KeyStore): a PKCS#11 login is the process's, sessions share it.
            session = token.open(rw=True)
        self._sessions.append(session)
        return session

    # -- internals ---------------------------------------------------------

    def _write_config(self) -> None:
        os.mkdir(self.token_dir)
        with open(self.conf_path, "w") as conf:
            conf.write(
                f"directories.tokendir = {self.token_dir}\n"
                "objectstore.backend = file\n"
                "log.level = ERROR\n"
                "slots.removable = false\n"
            )

    def _init_token(self, util: str) -> None:
        cmd = [
            util,
            "--init-token",
            "--free",
            "--label",
            self.label,
            "--pin",
            self.pin,
            "--so-pin",
            self.so_pin,
        ]
        result = subprocess.run(
            cmd,
            check=False,  # reported below with the tool's output
            env=dict(os.environ, **self.env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise InfrastructureError(
                f"{UTIL} --init-token failed (exit {result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )

    def _close_sessions(self) -> None:
        sessions, self._sessions = self._sessions, []
        for session in sessions:
            # Already closed by the test, or the module was finalized.
            with contextlib.suppress(pkcs11.PKCS11Error):
                session.close()

    def _restore_env(self) -> None:
        if os.environ.get(ENV_VAR) != (self.conf_path if self.dir else None):
            return  # somebody else changed it meanwhile: leave it alone
        if self._saved_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._saved_env
        self._saved_env = None
