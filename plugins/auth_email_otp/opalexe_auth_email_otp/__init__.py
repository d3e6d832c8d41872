"""Opalexe plugin: login by e-mail, password and a code sent by e-mail.

For the participants without a card (parties, intervenants de partie,
sapiteurs, co-experts without one, médiateurs), as the release notes of
29 May 2024 describe it (2.3):

1. *Invitation.* When the expert invites somebody by e-mail (the core's
   invitation page), two mails go out once the invitation is committed:
   the invitation (which case, who invites, the link), then, to an account
   that has no password yet, its password, generated here, mailed once and
   kept only as an argon2id hash.
2. *Login.* The person gives its address and password on this plugin's
   page; a 6-digit code, valid 10 minutes and for one use, is mailed
   (« Renvoyer le code » sends a new one, within limits); the code form
   posts to the core's login address, whose hooks here verify it. The core
   opens the login and leads to the case the person was invited to.
3. *Failures.* Wrong passwords and codes are counted per account and per
   address; past a threshold the account (or the address) is locked for a
   while, and the page says until when.
4. *« Mot de passe oublié ? ».* A link by e-mail, valid an hour, used once.

Built on :mod:`opalexe_core.api` only: the hooks of the authentication
contract, the event hook for the invitation's mails, and
:class:`~opalexe_core.api.PluginServices` for its storage area (see
:mod:`.state`), pyramid_mailer and links.
"""

from __future__ import annotations

import logging

from pyramid.i18n import TranslationStringFactory

from opalexe_core import api
from opalexe_core.api import (
    AuthenticationError,
    AuthMethod,
    AuthProvider,
    Credentials,
    Identity,
    ParticipantInvited,
    Profile,
    hookimpl,
)

log = logging.getLogger(__name__)

PLUGIN = "auth_email_otp"  # its entry-point name, and the name of its storage area
PROVIDER_ID = "courriel"
DOMAIN = "opalexe_auth_email_otp"
_ = TranslationStringFactory(DOMAIN)

#: Session key of the login waiting for its code (the challenge's id).
CHALLENGE_KEY = "opalexe_auth_email_otp.challenge"

#: Profiles whose existing accounts get a password when invited (those who
#: log in by e-mail); any account made by the invitation gets one too.
EMAIL_PROFILES = frozenset({Profile.INTERVENANT, Profile.MEDIATEUR})


@hookimpl
def opalexe_auth_providers_collect(settings):
    return [
        AuthProvider(
            id=PROVIDER_ID,
            label=_("Partie, intervenant de partie, sapiteur ou co-expert sans carte"),
            journey="form",
            login_route="email_login",
            description=_("Authentification par adresse électronique et mot de passe, puis un code reçu par "
                          "courriel"),
            order=50,
        )
    ]


@hookimpl
def opalexe_config_include(config, settings):
    from . import views

    views.include(config)
    config.add_translation_dirs("opalexe_auth_email_otp:locale/")


# -- the login: the code form posts to the core, which asks these hooks --------------------


@hookimpl
def opalexe_credentials_get(attempt, services):
    if attempt.provider != PROVIDER_ID:
        return None
    return Credentials(provider=PROVIDER_ID, values={"challenge": attempt.params.get("challenge", ""),
                                                      "code": attempt.params.get("code", "")})


@hookimpl
def opalexe_identity_get(credentials, services):
    if credentials.provider != PROVIDER_ID:
        return None
    from .login import verify_code

    if services is None or services.request is None:
        raise AuthenticationError(_("Connexion impossible : recommencez depuis la page de connexion."))
    facts = verify_code(services, credentials.values.get("challenge", ""), credentials.values.get("code", ""))
    return Identity(provider=PROVIDER_ID, subject=facts.id, auth_method=AuthMethod.PASSWORD_CODE,
                    email=facts.email, email_verified=True, first_name=facts.first_name,
                    last_name=facts.last_name)


# -- the invitation's two mails, after its commit ---------------------------------------------


@hookimpl
def opalexe_event_committed(event, services):
    if not isinstance(event, ParticipantInvited):
        return
    from .invitations import mail_invitation

    mail_invitation(event, services)


__all__ = ["CHALLENGE_KEY", "DOMAIN", "PLUGIN", "PROVIDER_ID", "api"]
