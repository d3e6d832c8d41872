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
from dataclasses import dataclass, field
from datetime import timedelta

from pyramid.settings import asbool, aslist

from .formats import DEFAULT_FORMATS, FORMATS
from .keystore import PKCS11Settings
from .proxy import Network, PublicURL, parse_networks

log = logging.getLogger(__name__)

#: Settings that once existed, and where their value lives now.
_RETIRED = {
    "opalexe.site_name": "the platform's name is set by the administrator on the « Paramètres » page (/parametres)",
    "opalexe.dev_login": "the demo login is the plugin auth_demo (plugins/auth_demo): installed means offered,"
    " and production refuses to start while it is installed",
}

_HERE = os.path.dirname(os.path.abspath(__file__))

#: The project's top-level ``templates/`` folder (page, mail and letter
#: templates), beside the ``opalexe_core`` package in a source checkout. An
#: installed (not editable) copy has no such folder beside its package: its
#: ini file names the checkout's folder (``production.ini`` does).
DEFAULT_TEMPLATES_DIR = os.path.normpath(os.path.join(_HERE, os.pardir, "templates"))


#: Where production's trusted proxies may be: loopback and private networks.
#: A proxy elsewhere would be reached across networks the platform does not
#: own, and its forwarded headers believed from strangers.
PROXY_NETWORKS = parse_networks(["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])

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
    ``trusted_proxies``: the addresses or networks (``127.0.0.1``,
    ``10.0.0.0/8``) whose forwarded and client-certificate headers are
    believed (:mod:`opalexe_core.proxy`); empty: nobody's.
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
    """

    environment: str = "development"
    plugins_disabled: tuple[str, ...] = ()
    trusted_proxies: tuple[Network, ...] = ()
    templates_dir: str = DEFAULT_TEMPLATES_DIR
    session_secret: str = ""
    secure_cookies: bool = True
    pkcs11: PKCS11Settings = PKCS11Settings()
    outbox_inline: bool = True
    outbox_sweep_seconds: float = 30.0
    public_url: PublicURL | None = None
    documents: DocumentSettings = field(default_factory=DocumentSettings)

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
        proxy_entries = aslist(raw.get("opalexe.trusted_proxies", ""))
        try:
            trusted_proxies = parse_networks(proxy_entries)
        except ValueError as error:
            raise SettingsError(f"opalexe.trusted_proxies: {error}") from None
        for key, where in _RETIRED.items():
            if key in raw:
                log.warning("%s is no longer read: %s", key, where)
        secure_cookies = asbool(raw.get("opalexe.secure_cookies", environment == "production"))
        if environment == "production":
            if not secure_cookies:
                raise SettingsError("opalexe.secure_cookies cannot be false in production: sessions travel over HTTPS")
            outside = [entry for entry, net in zip(proxy_entries, trusted_proxies, strict=True) if not _is_private(net)]
            if outside:
                raise SettingsError(
                    f"opalexe.trusted_proxies: {outside[0]} is not inside loopback or a private network "
                    f"({', '.join(map(str, PROXY_NETWORKS))}); name the proxies' addresses"
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
            trusted_proxies=trusted_proxies,
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


def _is_private(network: Network) -> bool:
    return any(network.version == private.version and network.subnet_of(private) for private in PROXY_NETWORKS)


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
