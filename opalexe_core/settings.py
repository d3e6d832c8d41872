"""Settings, read once at start-up into a typed object.

Views and services receive :class:`Settings` (``request.registry.opalexe``);
nothing else reads the raw ini dictionary.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from pyramid.settings import asbool, aslist

from .proxy import Network, parse_networks

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


#: The widest network production may trust as its proxies, by IP version: the
#: widest private ranges (10.0.0.0/8, fc00::/7). Anything wider trusts strangers.
_WIDEST_PROXY_NETWORK = {4: 8, 6: 7}


class SettingsError(ValueError):
    """The ini file holds a value the platform cannot run with."""


@dataclass(frozen=True)
class Settings:
    """The platform's settings (``opalexe.*`` keys of the ini file).

    ``plugins_disabled``: entry-point names of plugins not to load.
    ``trusted_proxies``: the addresses or networks (``127.0.0.1``,
    ``10.0.0.0/8``) whose forwarded and client-certificate headers are
    believed (:mod:`opalexe_core.proxy`); empty: nobody's.
    ``outbox_inline``: deliver a request's events right after its commit, in
    its thread (``opalexe.outbox.inline``, default true); ``outbox_sweep_seconds``:
    how often a thread delivers what is left in the outbox (a crashed
    process's events, failed receivers; ``opalexe.outbox.sweep_seconds``,
    default 30, 0 for none).
    """

    environment: str = "development"
    plugins_disabled: tuple[str, ...] = ()
    trusted_proxies: tuple[Network, ...] = ()
    templates_dir: str = DEFAULT_TEMPLATES_DIR
    session_secret: str = ""
    secure_cookies: bool = True
    outbox_inline: bool = True
    outbox_sweep_seconds: float = 30.0

    @classmethod
    def from_ini(cls, raw: dict) -> Settings:
        # No default: a forgotten line must not turn a server into a
        # development one (demo login allowed, plain cookies, any secret).
        environment = (raw.get("opalexe.environment") or "").strip()
        if environment not in ("development", "production", "test"):
            raise SettingsError(
                f"opalexe.environment must be development, production or test, not {environment!r}"
            )
        secret = (raw.get("opalexe.session_secret", "") or os.environ.get("OPALEXE_SESSION_SECRET", "")).strip()
        if environment == "production" and len(secret) < 32:
            raise SettingsError("opalexe.session_secret must hold at least 32 characters in production")
        try:
            trusted_proxies = parse_networks(aslist(raw.get("opalexe.trusted_proxies", "")))
        except ValueError as error:
            raise SettingsError(f"opalexe.trusted_proxies: {error}") from None
        for key, where in _RETIRED.items():
            if key in raw:
                log.warning("%s is no longer read: %s", key, where)
        secure_cookies = asbool(raw.get("opalexe.secure_cookies", environment == "production"))
        if environment == "production":
            if not secure_cookies:
                raise SettingsError("opalexe.secure_cookies cannot be false in production: sessions travel over HTTPS")
            too_wide = [str(net) for net in trusted_proxies if net.prefixlen < _WIDEST_PROXY_NETWORK[net.version]]
            if too_wide:
                raise SettingsError(
                    f"opalexe.trusted_proxies: {too_wide[0]} is wider than any private network; "
                    "name the proxies' addresses"
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
            plugins_disabled=tuple(aslist(raw.get("opalexe.plugins.disabled", ""))),
            trusted_proxies=trusted_proxies,
            templates_dir=templates_dir,
            session_secret=secret or os.urandom(32).hex(),
            secure_cookies=secure_cookies,
            outbox_inline=asbool(raw.get("opalexe.outbox.inline", True)),
            outbox_sweep_seconds=_seconds(raw, "opalexe.outbox.sweep_seconds", 30.0),
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
