"""Opalexe plugin: magistrats and greffiers log in with their ministry agent card.

The core checks the card against the trust store ``justice`` before this
plugin sees it. The plugin then looks the agent up in the ministry's LDAP
directory (:mod:`.directory`, with ldap3) by the certificate's ``UID``: its
role (``employeeType``: magistrat or greffier) gives the profile, its court
(``departmentNumber``) and the court's structural address (``mail`` of the
court's entry) are kept with the identity. Nothing is cached: each login
asks the directory, so a role changed there counts at the next login, and a
directory that does not answer refuses the login with a clear page
(:class:`~opalexe_core.contract.AuthenticationUnavailable`) rather than
letting anybody in on old facts.

Options (``opalexe.plugin.auth_justice.*``): ``ldap_url``, ``bind_dn``,
``bind_password`` (or ``OPALEXE_JUSTICE_LDAP_PASSWORD``), ``agents_base``,
``courts_base``, ``timeout`` (seconds, default 5).
"""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

from opalexe_core import api
from opalexe_core.api import AuthenticationError, AuthMethod, AuthProvider, Identity, Profile, hookimpl

from .directory import DirectoryOptions, look_up

PROVIDER_ID = "justice"
TRUST = "justice"
ROUTE = "login_justice"
PLUGIN = "auth_justice"
DOMAIN = "opalexe_auth_justice"
_ = TranslationStringFactory(DOMAIN)

ROLES = {"magistrat": Profile.MAGISTRAT, "greffier": Profile.GREFFIER}


@hookimpl
def opalexe_auth_providers_collect(settings):
    return [
        AuthProvider(
            id=PROVIDER_ID,
            label=_("Magistrat ou greffier disposant d'une carte agent du ministère de la Justice"),
            journey="certificate",
            login_route=ROUTE,
            description=_("Authentification par carte agent et code PIN ; votre fonction et votre juridiction "
                          "viennent de l'annuaire du ministère."),
            order=20,
            certificate_trust=TRUST,
        )
    ]


@hookimpl
def opalexe_config_include(config, settings):
    DirectoryOptions.from_settings(settings)  # a malformed option stops the start, not the first login
    api.add_certificate_login(
        config, PROVIDER_ID, route_name=ROUTE, path="/connexion/carte-agent",
        title=_("Connexion par carte agent"),
        instructions=_("Insérez votre carte agent dans le lecteur, puis cliquez sur « Continuer » : votre "
                       "navigateur vous demande de choisir votre certificat et votre code PIN."),
    )
    config.add_translation_dirs("opalexe_auth_justice:locale/")


@hookimpl
def opalexe_credentials_get(attempt):
    return api.certificate_credentials(attempt, PROVIDER_ID)


@hookimpl
def opalexe_identity_get(credentials, settings):
    if credentials.provider != PROVIDER_ID:
        return None
    card = credentials.certificate
    if card is None:
        raise AuthenticationError(_("Aucune carte vérifiée n'accompagne cette connexion."))
    uid = card.attributes.get("uid", "")
    if not uid:
        raise AuthenticationError(_("Cette carte ne porte pas d'identifiant d'agent (UID) : ce n'est pas une carte "
                                    "agent du ministère."))
    agent = look_up(DirectoryOptions.from_settings(settings), uid)
    profile = ROLES.get(agent.role.lower())
    if profile is None:
        raise AuthenticationError(_("L'annuaire du ministère ne vous connaît ni comme magistrat ni comme greffier : "
                                    "cette plateforme ne vous est pas ouverte avec cette carte."))
    first_name, last_name = card.person_names()
    return Identity(
        provider=PROVIDER_ID,
        subject=card.subject,
        auth_method=AuthMethod.CERTIFICATE,
        email=agent.email or None,
        email_verified=False,
        first_name=agent.first_name or first_name,
        last_name=agent.last_name or last_name,
        profile=profile,
        certificate_fingerprint=card.fingerprint,
        attributes={"cn": card.common_name, "uid": uid, "role": agent.role.lower(), "court": agent.court,
                    "structural_email": agent.structural_email},
    )
