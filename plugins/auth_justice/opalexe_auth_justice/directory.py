"""The ministry's LDAP directory, asked with ldap3 at each login.

An agent is an ``inetOrgPerson`` under ``agents_base`` found by its ``uid``
(the UID of its card's certificate): ``employeeType`` names its role
(magistrat, greffier), ``departmentNumber`` its court's code, ``mail`` its
own address. The court is an ``organizationalUnit`` under ``courts_base``
whose ``ou`` is that code and whose ``mail`` is the structural address of its
expertise service (``expertises.tj-angers@justice.fr``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from pyramid.i18n import TranslationStringFactory

from opalexe_core.api import AuthenticationError, AuthenticationUnavailable

log = logging.getLogger(__name__)
_ = TranslationStringFactory("opalexe_auth_justice")

PLUGIN = "auth_justice"
PASSWORD_VARIABLE = "OPALEXE_JUSTICE_LDAP_PASSWORD"


class DirectoryMisconfigured(ValueError):
    """The plugin's options are missing or malformed."""


@dataclass(frozen=True)
class DirectoryOptions:
    url: str
    bind_dn: str
    bind_password: str
    agents_base: str
    courts_base: str
    timeout: int = 5

    @classmethod
    def from_settings(cls, settings) -> DirectoryOptions | None:
        """The options of ``opalexe.plugin.auth_justice.*``; None when no
        directory is configured (every login is then refused, and said so)."""
        options = dict(settings.plugin_options.get(PLUGIN, {})) if settings is not None else {}
        if not options.get("ldap_url"):
            return None
        if not options["ldap_url"].startswith(("ldap://", "ldaps://")):
            raise DirectoryMisconfigured(f"opalexe.plugin.{PLUGIN}.ldap_url must start with ldap:// or ldaps://")
        for key in ("agents_base", "courts_base"):
            if not options.get(key):
                raise DirectoryMisconfigured(f"opalexe.plugin.{PLUGIN}.{key} is required")
        try:
            timeout = max(1, round(float(options.get("timeout") or 5)))  # ldap3 wants whole seconds
        except ValueError:
            raise DirectoryMisconfigured(f"opalexe.plugin.{PLUGIN}.timeout must be a number of seconds") from None
        return cls(options["ldap_url"], options.get("bind_dn", ""),
                   options.get("bind_password") or os.environ.get(PASSWORD_VARIABLE, ""),
                   options["agents_base"], options["courts_base"], timeout)


@dataclass(frozen=True)
class Agent:
    first_name: str
    last_name: str
    email: str
    role: str
    court: str
    structural_email: str


def _first(entry, attribute: str) -> str:
    values = entry["attributes"].get(attribute) or []
    if isinstance(values, str):
        return values
    return str(values[0]) if values else ""


def look_up(options: DirectoryOptions | None, uid: str) -> Agent:
    """The agent ``uid``; AuthenticationError when the directory does not know
    it, AuthenticationUnavailable when the directory cannot be asked."""
    if options is None:
        log.error("auth_justice: no directory configured (opalexe.plugin.%s.ldap_url): agent logins are refused",
                  PLUGIN)
        raise AuthenticationUnavailable(_("L'annuaire du ministère n'est pas configuré sur cette plateforme : "
                                          "contactez son support."))
    server = ldap3.Server(options.url, connect_timeout=options.timeout, get_info=ldap3.NONE)
    try:
        with ldap3.Connection(server, user=options.bind_dn or None, password=options.bind_password or None,
                              auto_bind=True, receive_timeout=options.timeout, read_only=True,
                              raise_exceptions=True) as connection:
            connection.search(options.agents_base, f"(&(objectClass=inetOrgPerson)(uid={escape_filter_chars(uid)}))",
                              attributes=["givenName", "sn", "mail", "employeeType", "departmentNumber"],
                              size_limit=2)
            agents = list(connection.response or ())
            if len(agents) != 1:
                raise AuthenticationError(_("L'annuaire du ministère ne connaît pas l'agent de cette carte : "
                                            "adressez-vous au service informatique de votre juridiction."))
            agent = agents[0]
            court = _first(agent, "departmentNumber")
            structural = ""
            if court:
                connection.search(options.courts_base, f"(ou={escape_filter_chars(court)})", attributes=["mail"],
                                  size_limit=1)
                courts = list(connection.response or ())
                structural = _first(courts[0], "mail") if courts else ""
    except AuthenticationError:
        raise
    except (LDAPException, OSError) as error:
        log.error("auth_justice: the directory %s did not answer: %s", options.url, error)
        raise AuthenticationUnavailable(
            _("L'annuaire du ministère de la Justice ne répond pas : votre fonction et votre juridiction ne peuvent "
              "pas être vérifiées. Réessayez dans quelques minutes.")
        ) from None
    return Agent(first_name=_first(agent, "givenName"), last_name=_first(agent, "sn"), email=_first(agent, "mail"),
                 role=_first(agent, "employeeType"), court=court, structural_email=structural)
