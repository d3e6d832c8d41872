"""Opalexe plugin: experts, co-experts and sapiteurs log in with their
CertEurope card.

The card holds a certificate issued by CertEurope; the browser and the card
middleware ask for its PIN and present it during the TLS handshake with
nginx, which forwards it. The core checks it against the trust store
``certeurope`` (``opalexe.trust.certeurope.ca_bundle`` and ``.crl``: chain,
dates, usage, revocation) before this plugin sees it; the identity is then
the certificate's subject, of profile ``expert``. A card never seen before
leads to the registration form, with the expert's fields (telephones, postal
address, country, cour d'appel, specialities, approval by the Cour de
cassation).
"""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

from opalexe_core import api
from opalexe_core.api import AuthenticationError, AuthMethod, AuthProvider, Identity, Profile, hookimpl

PROVIDER_ID = "certeurope"
#: The trust store the core checks the card against (opalexe.trust.<name>).
TRUST = "certeurope"
ROUTE = "login_certeurope"
DOMAIN = "opalexe_auth_certeurope"
_ = TranslationStringFactory(DOMAIN)

#: The registration fields of an expert (the core's ready-made ones).
EXPERT_FIELDS = ("landline", "mobile", "postal_address", "country", "court_of_appeal", "specialities",
                 "cassation_approved")


@hookimpl
def opalexe_auth_providers_collect(settings):
    return [
        AuthProvider(
            id=PROVIDER_ID,
            label=_("Expert, co-expert ou sapiteur disposant d'une carte CertEurope"),
            journey="certificate",
            login_route=ROUTE,
            description=_("Authentification par carte : certificat sur support physique (carte ou clé USB) et "
                          "code PIN."),
            order=10,
            certificate_trust=TRUST,
        )
    ]


@hookimpl
def opalexe_config_include(config, settings):
    api.add_certificate_login(
        config, PROVIDER_ID, route_name=ROUTE, path="/connexion/carte-expert",
        title=_("Connexion par carte d'expert"),
        instructions=_("Insérez votre carte CertEurope dans le lecteur, puis cliquez sur « Continuer » : votre "
                       "navigateur vous demande de choisir votre certificat et votre code PIN."),
    )
    config.add_translation_dirs("opalexe_auth_certeurope:locale/")


@hookimpl
def opalexe_credentials_get(attempt):
    return api.certificate_credentials(attempt, PROVIDER_ID)


@hookimpl
def opalexe_identity_get(credentials):
    if credentials.provider != PROVIDER_ID:
        return None
    card = credentials.certificate
    if card is None:  # the core verifies the card before asking: never without one
        raise AuthenticationError(_("Aucune carte vérifiée n'accompagne cette connexion."))
    first_name, last_name = card.person_names()
    return Identity(
        provider=PROVIDER_ID,
        subject=card.subject,
        auth_method=AuthMethod.CERTIFICATE,
        email=card.emails[0] if card.emails else None,
        email_verified=False,
        first_name=first_name,
        last_name=last_name,
        profile=Profile.EXPERT,
        certificate_fingerprint=card.fingerprint,
        attributes={"cn": card.common_name, "issuer": card.issuer},
    )


@hookimpl
def opalexe_registration_fields_collect(identity):
    if identity.provider != PROVIDER_ID:
        return []
    return [api.registration_field(name) for name in EXPERT_FIELDS]
