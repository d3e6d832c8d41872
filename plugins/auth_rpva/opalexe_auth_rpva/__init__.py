"""Opalexe plugin: lawyers log in with their RPVA / e-Barreau key.

The key holds a nominative certificate issued for the Conseil National des
Barreaux (no delegation: a secretary has her own); the core checks it
against the trust store ``rpva`` before this plugin sees it. The identity
is the certificate's subject, of profile ``avocat``; the bar is read from
the subject (its organisational unit or organisation naming the
« Barreau de … »), and each login lists the lawyer in the core's
« Annuaire des avocats », where experts find them to add them to a party.
"""

from __future__ import annotations

import re

from pyramid.i18n import TranslationStringFactory

from opalexe_core import api
from opalexe_core.api import AuthenticationError, AuthMethod, AuthProvider, Identity, Profile, hookimpl

PROVIDER_ID = "rpva"
TRUST = "rpva"
ROUTE = "login_rpva"
DOMAIN = "opalexe_auth_rpva"
_ = TranslationStringFactory(DOMAIN)

LAWYER_FIELDS = ("landline", "mobile", "postal_address", "country")


_BAR = re.compile(r"\bbarreau\s+(de|du|des|d['’])", re.IGNORECASE)


def bar_of(card) -> str:
    """The bar named by the certificate: the first of its organisational unit
    and organisation that names one (« Barreau de Lyon », « Barreau d'Angers »),
    else nothing."""
    for key in ("organizational_unit", "organization", "title"):
        value = " ".join(card.attributes.get(key, "").split())
        if _BAR.search(value):
            return value
    return ""


@hookimpl
def opalexe_auth_providers_collect(settings):
    return [
        AuthProvider(
            id=PROVIDER_ID,
            label=_("Avocat disposant d'une clé RPVA (e-Barreau)"),
            journey="certificate",
            login_route=ROUTE,
            description=_("Authentification par la clé nominative de l'avocat et son code PIN."),
            order=30,
            certificate_trust=TRUST,
        )
    ]


@hookimpl
def opalexe_config_include(config, settings):
    api.add_certificate_login(
        config, PROVIDER_ID, route_name=ROUTE, path="/connexion/cle-avocat",
        title=_("Connexion par clé d'avocat"),
        instructions=_("Branchez votre clé RPVA, puis cliquez sur « Continuer » : votre navigateur vous demande de "
                       "choisir votre certificat et votre code PIN."),
    )
    config.add_translation_dirs("opalexe_auth_rpva:locale/")


@hookimpl
def opalexe_credentials_get(attempt):
    return api.certificate_credentials(attempt, PROVIDER_ID)


@hookimpl
def opalexe_identity_get(credentials):
    if credentials.provider != PROVIDER_ID:
        return None
    key = credentials.certificate
    if key is None:
        raise AuthenticationError(_("Aucune clé vérifiée n'accompagne cette connexion."))
    bar = bar_of(key)
    if not bar:
        raise AuthenticationError(_("Ce certificat ne nomme pas de barreau : ce n'est pas une clé d'avocat."))
    first_name, last_name = key.person_names()
    return Identity(
        provider=PROVIDER_ID,
        subject=key.subject,
        auth_method=AuthMethod.CERTIFICATE,
        email=key.emails[0] if key.emails else None,
        email_verified=False,
        first_name=first_name,
        last_name=last_name,
        profile=Profile.AVOCAT,
        certificate_fingerprint=key.fingerprint,
        attributes={"cn": key.common_name, "bar": bar, "cnbf": key.attributes.get("serial_number", "")},
    )


@hookimpl
def opalexe_registration_fields_collect(identity):
    if identity.provider != PROVIDER_ID:
        return []
    return [api.registration_field(name) for name in LAWYER_FIELDS]
