"""Logging in, registering at a first login, logging out.

The authentication contract (:mod:`opalexe_core.hookspecs`): a provider
plugin turns a login attempt into credentials (``opalexe_credentials_get``)
and credentials into a verified :class:`~opalexe_core.contract.Identity`
(``opalexe_identity_get``). This module maps the identity to an account, or
leads a first connection to registration, and records the login. The core's
login view then renews the session (``remember``); providers never do.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from ..contract import (
    AccountRegistered,
    AuthenticationError,
    AuthProvider,
    Identity,
    LoginAttempt,
    LoginClosed,
    LoginEnd,
    LoginOpened,
    Profile,
    UserError,
)
from ..i18n import _
from ..resources.accounts import Account
from .platform import Actor, Platform

#: How long a first connection may take to fill the registration form.
REGISTRATION_WINDOW = timedelta(minutes=30)

#: The profile of a person registering with an identity whose provider does
#: not vouch for one: the least privileged (an expert, a magistrate or a
#: lawyer is known by the card or key it logs in with).
DEFAULT_PROFILE = Profile.INTERVENANT


@dataclass(frozen=True)
class LoggedIn:
    account: Account
    login_id: str
    identity: Identity


@dataclass(frozen=True)
class RegistrationRequired:
    """A verified identity no account holds yet: the registration form comes next."""

    identity: Identity


# -- providers -----------------------------------------------------------------------


def collect_providers(pm, settings) -> list[tuple[str, AuthProvider]]:
    """(plugin name, provider) for every installed provider, as the login page
    shows them: by ``order``, then label."""
    found = []
    for impl in pm.hook.opalexe_auth_providers_collect.get_hookimpls():
        for provider in impl.function(settings=settings) or ():
            found.append((impl.plugin_name, provider))
    return sorted(found, key=lambda item: (item[1].order, str(item[1].label)))


def providers(platform: Platform) -> list[AuthProvider]:
    return [provider for _plugin, provider in collect_providers(platform.pm, platform.settings)]


def development_only(pm, settings) -> list[tuple[str, AuthProvider]]:
    return [(plugin, provider) for plugin, provider in collect_providers(pm, settings) if provider.development_only]


# -- login -------------------------------------------------------------------------------


def authenticate(platform: Platform, attempt: LoginAttempt) -> LoggedIn | RegistrationRequired:
    """Ask the providers to verify ``attempt``; log the account in, or say that
    the identity must register first. :class:`AuthenticationError` (French
    message) when the attempt proves nothing."""
    offered = {provider.id for provider in providers(platform)}
    if attempt.provider not in offered:
        raise AuthenticationError(_("Ce mode de connexion n'est pas proposé sur cette plateforme."))
    credentials = platform.pm.hook.opalexe_credentials_get(attempt=attempt, services=platform.plugin_services)
    if credentials is None or credentials.provider != attempt.provider:
        raise AuthenticationError(_("Aucun identifiant n'a été reçu : recommencez la connexion."))
    identity = platform.pm.hook.opalexe_identity_get(credentials=credentials, services=platform.plugin_services)
    if identity is None or identity.provider != attempt.provider:
        raise AuthenticationError(_("Vos identifiants n'ont pas pu être vérifiés."))
    accounts = platform.root.accounts
    account = accounts.find_by_identity(identity.provider, identity.subject)
    if account is None and identity.email_verified and identity.email:
        account = accounts.find_by_email(identity.email)
        if account is not None:
            accounts.link_identity(account, identity.provider, identity.subject)
    if account is None:
        return RegistrationRequired(identity)
    return _open_login(platform, account, identity, attempt.client_address)


def _open_login(platform: Platform, account: Account, identity: Identity, client_address: str | None) -> LoggedIn:
    if not account.active:
        raise AuthenticationError(
            _("Votre compte est désactivé : adressez-vous à l'administrateur de la plateforme.")
        )
    login_id = account.open_login(platform.now())
    actor = actor_for(account, identity, client_address)
    platform.event(LoginOpened, actor, account, account_id=account.id, provider=identity.provider)
    return LoggedIn(account, login_id, identity)


def actor_for(account: Account | None, identity: Identity, client_address: str | None) -> Actor:
    return Actor(account, identity.auth_method, client_address, identity.certificate_fingerprint)


def close_login(platform: Platform, actor: Actor, login_id: str, reason: LoginEnd = LoginEnd.LOGOUT) -> bool:
    """Close the actor's login ``login_id``; True (and one event) if it was open."""
    account = actor.account
    if account is None or not account.close_login(login_id):
        return False
    platform.event(LoginClosed, actor, account, account_id=account.id, reason=reason)
    return True


# -- registration -------------------------------------------------------------------------


def registration_fields(platform: Platform, identity: Identity) -> list:
    """The colander nodes the plugins add to the registration form."""
    nodes = []
    for contributed in platform.pm.hook.opalexe_registration_fields_collect(identity=identity):
        nodes.extend(contributed or ())
    return nodes


def register(platform: Platform, identity: Identity, *, first_name: str, last_name: str, email: str,
             answers: dict | None = None, client_address: str | None = None) -> LoggedIn:
    """Create the account of a first connection with ``identity``, link the
    identity to it and log it in. ``answers``: the plugins' registration
    fields, kept on the account."""
    accounts = platform.root.accounts
    if accounts.find_by_identity(identity.provider, identity.subject) is not None:
        raise UserError(_("Cette identité a déjà un compte : connectez-vous."))
    if accounts.find_by_email(email) is not None:
        raise UserError(
            _("Un compte existe déjà avec cette adresse électronique : connectez-vous avec le moyen "
              "d'authentification de ce compte, ou indiquez une autre adresse."),
            "email",
        )
    profile = identity.profile or DEFAULT_PROFILE
    try:
        account = Account(first_name, last_name, email, profile)
    except ValueError as error:
        raise UserError(_("Inscription refusée : ${error}.", mapping={"error": str(error)})) from None
    account.registration = dict(answers or {})
    accounts.add_account(account)
    accounts.link_identity(account, identity.provider, identity.subject)
    actor = actor_for(account, identity, client_address)
    platform.event(AccountRegistered, actor, account, account_id=account.id, email=account.email,
                   profile=account.profile, provider=identity.provider)
    return _open_login(platform, account, identity, client_address)


# -- an identity waiting for its registration, kept in the (signed) session --------------


def pending_registration(identity: Identity, now: datetime) -> dict:
    """What the session keeps of ``identity`` until the form is sent (JSON)."""
    data = {field.name: getattr(identity, field.name) for field in fields(identity)}
    data["attributes"] = dict(identity.attributes)
    data["auth_method"] = str(identity.auth_method)
    data["profile"] = str(identity.profile) if identity.profile else None
    return {"identity": data, "until": (now + REGISTRATION_WINDOW).isoformat()}


def identity_of_pending(pending: dict | None, now: datetime) -> Identity | None:
    """The identity kept by :func:`pending_registration`, if still valid."""
    if not pending:
        return None
    try:
        if datetime.fromisoformat(pending["until"]) < now:
            return None
        return Identity(**pending["identity"])
    except (KeyError, TypeError, ValueError):
        return None


__all__ = [
    "LoggedIn",
    "RegistrationRequired",
    "authenticate",
    "close_login",
    "collect_providers",
    "development_only",
    "identity_of_pending",
    "pending_registration",
    "providers",
    "register",
    "registration_fields",
]
