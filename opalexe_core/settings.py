"""Settings, read once at start-up into a typed object.

Views and services receive :class:`Settings` (``request.registry.opalexe``);
nothing else reads the raw ini dictionary.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from pyramid.settings import asbool, aslist

from .certificates import TrustStoreSettings
from .formats import DEFAULT_FORMATS, FORMATS
from .keystore import PKCS11Settings
from .proxy import ProxyTrust, PublicURL

log = logging.getLogger(__name__)

#: Settings that once existed, and where their value lives now.
_RETIRED = {
    "opalexe.site_name": "the platform's name is set by the administrator on the « Paramètres » page (/parametres)",
    "opalexe.dev_login": "the demo login is the plugin auth_demo (plugins/auth_demo): installed means offered,"
    " and production refuses to start while it is installed",
    "opalexe.trusted_proxies": "a peer's address proves nothing (any local process has 127.0.0.1): nginx reaches"
    " the application over a Unix socket (opalexe.proxy.unix_socket = true) or with a secret"
    " (opalexe.proxy.secret); see etc/README.md",
}

_HERE = os.path.dirname(os.path.abspath(__file__))

#: The project's top-level ``templates/`` folder (page, mail and letter
#: templates), beside the ``opalexe_core`` package in a source checkout. An
#: installed (not editable) copy has no such folder beside its package: its
#: ini file names the checkout's folder (``production.ini`` does).
DEFAULT_TEMPLATES_DIR = os.path.normpath(os.path.join(_HERE, os.pardir, "templates"))


#: Session secrets published with the code: development.ini's, the test
#: kit's (pytest_opalexe.web.test_settings) and the example once given in
#: etc/README.md. Anyone may sign a session cookie with them.
_PUBLISHED_SECRETS = frozenset({
    "development-only-secret-not-for-production-use",
    "test-secret-" + "x" * 32,
    "at-least-32-random-characters-same-on-every-process",
})
SECRET_BYTES = 32
GENERATE_SECRET = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


class SettingsError(ValueError):
    """The ini file holds a value the platform cannot run with."""


GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True)
class DocumentSettings:
    """Documents and their uploads (:mod:`opalexe_core.services.uploads`).

    ``max_size``: the largest file, in bytes (``opalexe.documents.max_size``,
    default 2 GiB; ``2G``, ``500M`` or a number of bytes). ``formats``: the
    accepted file extensions (``opalexe.documents.formats``, default every one
    of :data:`opalexe_core.formats.FORMATS`). ``uploads_dir``: where uploads
    wait until they are deposited, encrypted (``opalexe.uploads.dir`` or
    ``OPALEXE_UPLOADS_DIR``; by default ``uploads/`` beside a FileStorage's
    ``Data.fs``; ``None`` with RelStorage: uploads are refused). Every
    process of a host must share it. ``chunk_size``: the largest request body
    of an upload, which the browser's chunks fill (``opalexe.uploads.chunk_size``,
    default 16 MiB; nginx's ``client_max_body_size`` for uploads must admit
    it). ``upload_expiry``: an upload left unfinished that long is removed
    (``opalexe.uploads.expire_hours``, default 24).
    """

    max_size: int = 2 * GiB
    formats: tuple[str, ...] = DEFAULT_FORMATS
    uploads_dir: str | None = None
    chunk_size: int = 16 * MiB
    upload_expiry: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Settings:
    """The platform's settings (``opalexe.*`` keys of the ini file).

    ``plugins_disabled``: entry-point names of plugins not to load
    (``opalexe.plugins.disabled``, or ``OPALEXE_PLUGINS_DISABLED`` when it is empty).
    ``proxy``: how nginx proves a request is its own (:mod:`opalexe_core.proxy`):
    ``opalexe.proxy.unix_socket`` (true: requests over waitress's Unix socket)
    and/or ``opalexe.proxy.secret`` (or ``OPALEXE_PROXY_SECRET``); neither:
    nobody's forwarded and client-certificate headers are believed.
    ``trust_stores``: the CA bundles and CRL files client certificates are
    checked against, by name (``opalexe.trust.<name>.ca_bundle`` and
    ``opalexe.trust.<name>.crl``, :mod:`opalexe_core.certificates`).
    ``plugin_options``: ``opalexe.plugin.<plugin>.<option>`` keys, by plugin
    name then option (each plugin reads and checks its own).
    ``login_attempts_per_address`` / ``login_attempts_per_certificate``: login
    attempts admitted per ``login_window_seconds`` (``opalexe.login.*``).
    ``outbox_inline``: deliver a request's events right after its commit, in
    its thread (``opalexe.outbox.inline``, default true); ``outbox_sweep_seconds``:
    how often a thread delivers what is left in the outbox (a crashed
    process's events, failed receivers; ``opalexe.outbox.sweep_seconds``,
    default 30, 0 for none).
    ``pkcs11``: the platform's PKCS#11 token (:mod:`opalexe_core.keystore`).
    ``public_url``: the address visitors use (``opalexe.public_url`` or
    ``OPALEXE_PUBLIC_URL``); every URL the platform builds starts with it.
    Required in production; None elsewhere when not given: URLs then follow
    each request's ``Host``.
    ``journal_sequence_seconds``: how often each process's sequencer seals
    the journal's accepted entries (``opalexe.journal.sequence_seconds``,
    default 5, 0 for no thread: ``opalexe audit sequence`` then does it);
    ``journal_sign_seconds``: how often a tree head is signed when entries
    were added (``opalexe.journal.sign_seconds``, default 3600).
    """

    environment: str = "development"
    plugins_disabled: tuple[str, ...] = ()
    proxy: ProxyTrust = ProxyTrust()
    trust_stores: Mapping[str, TrustStoreSettings] = field(default_factory=dict)
    plugin_options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    login_attempts_per_address: int = 30
    login_attempts_per_certificate: int = 10
    login_window_seconds: float = 300.0
    templates_dir: str = DEFAULT_TEMPLATES_DIR
    session_secret: str = ""
    secure_cookies: bool = True
    pkcs11: PKCS11Settings = PKCS11Settings()
    outbox_inline: bool = True
    outbox_sweep_seconds: float = 30.0
    public_url: PublicURL | None = None
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    journal_sequence_seconds: float = 5.0
    journal_sign_seconds: float = 3600.0

    @classmethod
    def from_ini(cls, raw: dict) -> Settings:
        # No default: a forgotten line must not turn a server into a
        # development one (demo login allowed, plain cookies, any secret).
        environment = (raw.get("opalexe.environment") or "").strip()
        if environment not in ("development", "production", "test"):
            raise SettingsError(
                f"opalexe.environment must be development, production or test, not {environment!r}"
            )
        secret = _setting(raw, "opalexe.session_secret", "OPALEXE_SESSION_SECRET")
        if environment == "production":
            weakness = _secret_weakness(secret)
            if weakness:
                raise SettingsError(
                    f"opalexe.session_secret (or OPALEXE_SESSION_SECRET) {weakness};"
                    f" generate one with {GENERATE_SECRET}"
                )
        public_url = _public_url(_setting(raw, "opalexe.public_url", "OPALEXE_PUBLIC_URL"), environment)
        proxy = _proxy_trust(raw, environment)
        for key, where in _RETIRED.items():
            if key in raw:
                log.warning("%s is no longer read: %s", key, where)
        secure_cookies = asbool(raw.get("opalexe.secure_cookies", environment == "production"))
        if environment == "production":
            if not secure_cookies:
                raise SettingsError("opalexe.secure_cookies cannot be false in production: sessions travel over HTTPS")
            if not proxy.configured:
                raise SettingsError(
                    "production needs to know its nginx: opalexe.proxy.unix_socket = true (waitress on a Unix"
                    " socket that only nginx's group may open) or opalexe.proxy.secret (or OPALEXE_PROXY_SECRET),"
                    " the secret nginx adds to each request; see etc/README.md"
                )
        templates_dir = raw.get("opalexe.templates_dir", "").strip()
        if not templates_dir:
            if not os.path.isdir(DEFAULT_TEMPLATES_DIR):
                raise SettingsError(
                    f"opalexe.templates_dir is not given and there is no {DEFAULT_TEMPLATES_DIR}: an installed"
                    " (not editable) copy ships no templates; name the checkout's templates/ folder"
                    " (production.ini: %(here)s/templates)"
                )
            templates_dir = DEFAULT_TEMPLATES_DIR
        return cls(
            environment=environment,
            plugins_disabled=tuple(aslist(_setting(raw, "opalexe.plugins.disabled", "OPALEXE_PLUGINS_DISABLED"))),
            proxy=proxy,
            trust_stores=_trust_stores(raw),
            plugin_options=_plugin_options(raw),
            login_attempts_per_address=_count(raw, "opalexe.login.attempts_per_address", 30),
            login_attempts_per_certificate=_count(raw, "opalexe.login.attempts_per_certificate", 10),
            login_window_seconds=_seconds(raw, "opalexe.login.window_seconds", 300.0),
            templates_dir=templates_dir,
            session_secret=secret or os.urandom(32).hex(),
            secure_cookies=secure_cookies,
            pkcs11=PKCS11Settings(
                module=_setting(raw, "opalexe.pkcs11.module", "OPALEXE_PKCS11_MODULE"),
                token_label=_setting(raw, "opalexe.pkcs11.token_label", "OPALEXE_PKCS11_TOKEN_LABEL"),
                pin=_setting(raw, "opalexe.pkcs11.pin", "OPALEXE_PKCS11_PIN"),
                softhsm2_conf=(raw.get("opalexe.pkcs11.softhsm2_conf") or "").strip(),
            ),
            outbox_inline=asbool(raw.get("opalexe.outbox.inline", True)),
            outbox_sweep_seconds=_seconds(raw, "opalexe.outbox.sweep_seconds", 30.0),
            public_url=public_url,
            documents=_document_settings(raw),
            journal_sequence_seconds=_seconds(raw, "opalexe.journal.sequence_seconds", 5.0),
            journal_sign_seconds=_seconds(raw, "opalexe.journal.sign_seconds", 3600.0),
        )


def _size(raw: dict, key: str, default: int) -> int:
    """A size in bytes: a number, or a number with K, M or G (binary units)."""
    value = str(raw.get(key) or "").strip()
    if not value:
        return default
    match = re.fullmatch(r"(\d+)\s*([KMG]?)i?B?", value, re.IGNORECASE)
    if not match:
        raise SettingsError(f"{key} must be a number of bytes, or one followed by K, M or G, not {value!r}")
    size = int(match.group(1)) * 1024 ** " KMG".index((match.group(2) or " ").upper())
    if size <= 0:
        raise SettingsError(f"{key} must be more than 0")
    return size


def _uploads_dir(raw: dict) -> str | None:
    configured = _setting(raw, "opalexe.uploads.dir", "OPALEXE_UPLOADS_DIR")
    if configured:
        return configured
    uri = raw.get("zodbconn.uri", "") or ""
    if uri.startswith("file://"):
        return os.path.join(os.path.dirname(uri[len("file://"):].split("?", 1)[0]), "uploads")
    return None


def _document_settings(raw: dict) -> DocumentSettings:
    formats = tuple(ext.lower().lstrip(".") for ext in aslist(raw.get("opalexe.documents.formats", "")))
    unknown = [ext for ext in formats if ext not in FORMATS]
    if unknown:
        raise SettingsError(
            f"opalexe.documents.formats: unknown format(s) {', '.join(unknown)}; known: {' '.join(FORMATS)}"
        )
    chunk_size = _size(raw, "opalexe.uploads.chunk_size", DocumentSettings.chunk_size)
    if chunk_size < MiB:
        raise SettingsError("opalexe.uploads.chunk_size must be at least 1M")
    try:
        hours = float(raw.get("opalexe.uploads.expire_hours") or 24)
    except ValueError:
        hours = 0
    if hours <= 0:
        raise SettingsError("opalexe.uploads.expire_hours must be a number of hours, more than 0")
    return DocumentSettings(
        max_size=_size(raw, "opalexe.documents.max_size", DocumentSettings.max_size),
        formats=formats or DEFAULT_FORMATS,
        uploads_dir=_uploads_dir(raw),
        chunk_size=chunk_size,
        upload_expiry=timedelta(hours=hours),
    )


def _seconds(raw: dict, key: str, default: float) -> float:
    value = raw.get(key, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a number of seconds, not {value!r}") from None
    if seconds < 0:
        raise SettingsError(f"{key} cannot be negative")
    return seconds


def _setting(raw: dict, key: str, variable: str) -> str:
    """The ini value of ``key``, or when it is empty the environment
    variable ``variable`` (production.ini leaves host values to /etc/opalexe/env)."""
    return (raw.get(key, "") or os.environ.get(variable, "")).strip()


def _public_url(value: str, environment: str) -> PublicURL | None:
    if not value:
        if environment == "production":
            raise SettingsError(
                "opalexe.public_url (or OPALEXE_PUBLIC_URL) is required in production: the address visitors use,"
                " e.g. https://opalexe.example.org; links and redirects are built from it, never from a request's Host"
            )
        return None
    try:
        public_url = PublicURL.parse(value)
    except ValueError as error:
        raise SettingsError(f"opalexe.public_url: {error}") from None
    if environment == "production" and public_url.scheme != "https":
        raise SettingsError(f"opalexe.public_url must be an https:// address in production, not {value!r}")
    return public_url


def _proxy_trust(raw: dict, environment: str) -> ProxyTrust:
    secret = _setting(raw, "opalexe.proxy.secret", "OPALEXE_PROXY_SECRET")
    if secret and environment == "production":
        weakness = _secret_weakness(secret)
        if weakness:
            raise SettingsError(
                f"opalexe.proxy.secret (or OPALEXE_PROXY_SECRET) {weakness}; generate one with {GENERATE_SECRET}"
            )
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
        raise SettingsError("opalexe.proxy.secret must be written in hex or URL-safe base64 (it travels in a header)")
    return ProxyTrust(unix_socket=asbool(raw.get("opalexe.proxy.unix_socket", False)), secret=secret)


_TRUST_KEY = re.compile(r"opalexe\.trust\.([a-z0-9_-]+)\.(ca_bundle|crl)")


def _trust_stores(raw: dict) -> Mapping[str, TrustStoreSettings]:
    found: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        match = _TRUST_KEY.fullmatch(key)
        if match:
            found.setdefault(match.group(1), {})[match.group(2)] = (value or "").strip()
        elif key.startswith("opalexe.trust."):
            raise SettingsError(f"{key}: a trust store has only ca_bundle and crl (opalexe.trust.<name>.ca_bundle)")
    stores = {}
    for name, options in sorted(found.items()):
        if not options.get("ca_bundle"):
            raise SettingsError(f"opalexe.trust.{name}.ca_bundle is required: the CA certificates of that store")
        stores[name] = TrustStoreSettings(name, options["ca_bundle"], tuple(aslist(options.get("crl", ""))))
    return MappingProxyType(stores)


def _plugin_options(raw: dict) -> Mapping[str, Mapping[str, str]]:
    options: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if key.startswith("opalexe.plugin."):
            plugin, _, option = key.removeprefix("opalexe.plugin.").partition(".")
            if not plugin or not option:
                raise SettingsError(f"{key}: plugin options are named opalexe.plugin.<plugin>.<option>")
            options.setdefault(plugin, {})[option] = (value or "").strip()
    return MappingProxyType({plugin: MappingProxyType(values) for plugin, values in options.items()})


def _count(raw: dict, key: str, default: int) -> int:
    value = raw.get(key, default)
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a whole number, not {value!r}") from None
    if count < 1:
        raise SettingsError(f"{key} must be at least 1")
    return count


def _secret_bytes(secret: str) -> bytes | None:
    """The bytes ``secret`` writes in hex or URL-safe base64 (padding
    optional), or None when it is neither."""
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", secret):
        return bytes.fromhex(secret)
    unpadded = secret.rstrip("=")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", unpadded) or len(secret) - len(unpadded) > 2:
        return None
    try:
        return base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except (binascii.Error, ValueError):
        return None


def _secret_weakness(secret: str) -> str | None:
    """Why ``secret`` may not sign production's sessions, or None."""
    if not secret:
        return "is required in production"
    if secret in _PUBLISHED_SECRETS:
        return "is a secret published with the code (development.ini, the tests or the documentation)"
    decoded = _secret_bytes(secret)
    if decoded is None or len(decoded) < SECRET_BYTES:
        return (
            f"must be at least {SECRET_BYTES} random bytes, written in hex ({2 * SECRET_BYTES} characters)"
            " or URL-safe base64 (43 characters)"
        )
    # Random bytes never compress, and 64 random hex digits use nearly all 16:
    # a repeated pattern or a handful of characters was typed, not drawn.
    if len(set(secret)) < 8 or len(zlib.compress(decoded, 9)) < len(decoded):
        return "looks typed rather than random (few distinct characters or a repeated pattern)"
    return None
