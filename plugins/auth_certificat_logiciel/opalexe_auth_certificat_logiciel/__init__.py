"""Opalexe plugin: a participant without a card (an intervenant, a
sapiteur, a co-expert, a mediator) logs in with the software certificate the
platform's own CA issued to it.

The expert issues the certificate from the case's « Certificats logiciels »
page (a PKCS#12 file the participant imports into its browser); nginx
forwards it like a card's. The core checks it against the trust store
``certificat_logiciel`` (``opalexe.trust.certificat_logiciel.ca_bundle`` and
``.crl``: the CA certificate and CRL that ``opalexe ca --certificate-out
--crl-out`` write) before this plugin sees it: chain, dates, usage,
revocation. The plugin then looks the certificate up in the platform's
register (``services.software_certificate(fingerprint)``): the identity is
the certificate's serial number, for the account it was issued to. There is
no registration: a certificate the register does not know, one it records
as revoked (even before the CRL file is refreshed), or one whose account is
gone or disabled is refused with a French message.
"""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

from opalexe_core import api
from opalexe_core.api import AuthenticationError, AuthMethod, AuthProvider, Identity, hookimpl

PROVIDER_ID = "certificat_logiciel"
#: The trust store the core checks the certificate against (opalexe.trust.<name>).
TRUST = "certificat_logiciel"
ROUTE = "login_certificat_logiciel"
PATH = "/connexion/certificat-logiciel"
DOMAIN = "opalexe_auth_certificat_logiciel"
_ = TranslationStringFactory(DOMAIN)


@hookimpl
def opalexe_auth_providers_collect(settings):
    return [
        AuthProvider(
            id=PROVIDER_ID,
            label=_("Certificat logiciel (participant sans carte)"),
            journey="certificate",
            login_route=ROUTE,
            description=_("Authentification par le certificat logiciel que l'expert vous a délivré depuis "
                          "l'expertise, installé dans votre navigateur."),
            order=40,
            certificate_trust=TRUST,
        )
    ]


@hookimpl
def opalexe_config_include(config, settings):
    api.add_certificate_login(
        config, PROVIDER_ID, route_name=ROUTE, path=PATH,
        title=_("Connexion par certificat logiciel"),
        instructions=_("Importez dans votre navigateur le fichier de certificat que l'expert vous a remis, avec "
                       "son mot de passe, puis cliquez sur « Continuer » : votre navigateur vous demande de "
                       "choisir ce certificat."),
    )
    config.add_translation_dirs("opalexe_auth_certificat_logiciel:locale/")


@hookimpl
def opalexe_credentials_get(attempt):
    return api.certificate_credentials(attempt, PROVIDER_ID)


@hookimpl
def opalexe_identity_get(credentials, services):
    if credentials.provider != PROVIDER_ID:
        return None
    certificate = credentials.certificate
    if certificate is None:  # the core verifies the certificate before asking: never without one
        raise AuthenticationError(_("Aucun certificat vérifié n'accompagne cette connexion."))
    record = services.software_certificate(certificate.fingerprint)
    if record is None:
        raise AuthenticationError(_("Ce certificat n'a pas été délivré par la plateforme à l'un de ses comptes : "
                                    "demandez à l'expert de vous délivrer un certificat logiciel depuis "
                                    "l'expertise."))
    if record.revoked:
        raise AuthenticationError(_("Ce certificat logiciel a été révoqué le ${date} : demandez-en un nouveau à "
                                    "l'expert.", mapping={"date": record.revoked_at.strftime("%d/%m/%Y")}))
    account = services.account(record.account_id)
    if account is None or not account.active:
        raise AuthenticationError(_("Le compte auquel ce certificat a été délivré n'existe plus ou est désactivé : "
                                    "adressez-vous à l'expert."))
    return Identity(
        provider=PROVIDER_ID,
        subject=record.serial,
        auth_method=AuthMethod.CERTIFICATE,
        # The platform issued the certificate to this very account: its address
        # leads the core to it at the first login (no registration).
        email=account.email,
        email_verified=True,
        first_name=account.first_name,
        last_name=account.last_name,
        profile=account.profile,
        certificate_fingerprint=certificate.fingerprint,
        attributes={"cn": certificate.common_name, "serial": record.serial, "expertise": record.expertise_id},
    )
