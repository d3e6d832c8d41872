"""Logging in, registering at a first login, logging out.

The authentication contract (:mod:`opalexe_core.hookspecs`): a provider
plugin turns a login attempt into credentials (``opalexe_credentials_get``)
and credentials into a verified :class:`~opalexe_core.contract.Identity`
(``opalexe_identity_get``). This module maps the identity to an account, or
leads a first connection to registration, and records the login. The core's
login view then renews the session (``remember``); providers never do.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from ..certificates import pem_fingerprint, verify_certificate
from ..contract import (
    AccountRegistered,
    AuthenticationError,
    AuthProvider,
    CertificateProblem,
    CertificateRefused,
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
from . import lawyers, terms
from .platform import Actor, Platform

log = logging.getLogger(__name__)

#: How long a first connection may take to fill the registration form.
REGISTRATION_WINDOW = timedelta(minutes=30)

#: The profile of a person registering with an identity whose provider does
#: not vouch for one: the least privileged (an expert, a magistrate or a
#: lawyer is known by the card or key it logs in with).
DEFAULT_PROFILE = Profile.INTERVENANT


class TooManyAttempts(AuthenticationError):
    """Too many login attempts from this address or with this certificate."""


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


def find_provider(platform: Platform, provider_id: str) -> AuthProvider | None:
    for provider in providers(platform):
        if provider.id == provider_id:
            return provider
    return None


def authenticate(platform: Platform, attempt: LoginAttempt) -> LoggedIn | RegistrationRequired:
    """Ask the providers to verify ``attempt``; log the account in, or say that
    the identity must register first. :class:`AuthenticationError` (French
    message) when the attempt proves nothing: a refused certificate is a
    :class:`~opalexe_core.contract.CertificateRefused`, too many attempts
    :class:`TooManyAttempts`.

    A provider with a ``certificate_trust`` sees the attempt only once the
    core verified its client certificate against that trust store."""
    provider = find_provider(platform, attempt.provider)
    if provider is None:
        raise AuthenticationError(_("Ce mode de connexion n'est pas proposé sur cette plateforme."))
    limiter = getattr(platform, "login_limiter", None)
    if limiter is not None and not limiter.admit(attempt.client_address,
                                                 pem_fingerprint(attempt.client_certificate_pem)):
        log.warning("login attempts refused: too many from %s (provider %s)", attempt.client_address, provider.id)
        raise TooManyAttempts(_("Trop de tentatives de connexion : patientez quelques minutes avant de "
                                "recommencer."))
    if provider.certificate_trust:
        attempt = dataclasses.replace(attempt, certificate=_verified_certificate(platform, provider, attempt))
    settings = platform.settings
    credentials = platform.pm.hook.opalexe_credentials_get(attempt=attempt, settings=settings,
                                                           services=platform.plugin_services)
    if credentials is None or credentials.provider != attempt.provider:
        raise AuthenticationError(_("Aucun identifiant n'a été reçu : recommencez la connexion."))
    identity = platform.pm.hook.opalexe_identity_get(credentials=credentials, settings=settings,
                                                      services=platform.plugin_services)
    if identity is None or identity.provider != attempt.provider:
        raise AuthenticationError(_("Vos identifiants n'ont pas pu être vérifiés."))
    if attempt.certificate is not None and identity.certificate_fingerprint != attempt.certificate.fingerprint:
        identity = dataclasses.replace(identity, certificate_fingerprint=attempt.certificate.fingerprint)
    accounts = platform.root.accounts
    account = accounts.find_by_identity(identity.provider, identity.subject)
    if account is None and identity.email_verified and identity.email:
        account = accounts.find_by_email(identity.email)
        if account is not None:
            _require_active(account)  # before linking: a refusal stores nothing
            accounts.link_identity(account, identity.provider, identity.subject)
    if account is None:
        return RegistrationRequired(identity)
    return _open_login(platform, account, identity, attempt.client_address)


def _verified_certificate(platform: Platform, provider: AuthProvider, attempt: LoginAttempt):
    store = platform.settings.trust_stores.get(provider.certificate_trust) if platform.settings else None
    if store is None:
        log.error("provider %s checks certificates against the trust store %r, which is not configured "
                  "(opalexe.trust.%s.ca_bundle and .crl)", provider.id, provider.certificate_trust,
                  provider.certificate_trust)
        raise CertificateRefused(
            CertificateProblem.NOT_CONFIGURED,
            _("La vérification des certificats n'est pas configurée pour ce profil : contactez le support de la "
              "plateforme."),
        )
    return verify_certificate(attempt.client_certificate_pem, store, platform.now())


def _require_active(account: Account) -> None:
    if not account.active:
        raise AuthenticationError(
            _("Votre compte est désactivé : adressez-vous à l'administrateur de la plateforme.")
        )


def _open_login(platform: Platform, account: Account, identity: Identity, client_address: str | None) -> LoggedIn:
    _require_active(account)
    login_id = account.open_login(platform.now())
    facts = dict(identity.attributes)
    if (account.identity_facts or {}) != facts:
        account.identity_facts = facts  # what the provider said at the last login (court, bar…)
    actor = actor_for(account, identity, client_address)
    platform.event(LoginOpened, actor, account, account_id=account.id, provider=identity.provider)
    if Profile(account.profile) == Profile.AVOCAT and identity.attributes.get("bar"):
        lawyers.record(platform, actor, account, identity.attributes["bar"])
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
             answers: dict | None = None, client_address: str | None = None,
             accepted_terms: str | None = None) -> LoggedIn:
    """Create the account of a first connection with ``identity``, link the
    identity to it and log it in. ``answers``: the plugins' registration
    fields, kept on the account. ``accepted_terms``: the version of the terms
    of use the person accepted on the form; the version in force must be it
    (its acceptance is recorded with the account)."""
    accounts = platform.root.accounts
    current = terms.in_force(platform)
    if current is not None and accepted_terms != current.version:
        raise UserError(_("Acceptez les conditions générales d'utilisation pour vous inscrire."), "cgu")
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
    logged_in = _open_login(platform, account, identity, client_address)
    if current is not None:
        terms.accept(platform, actor, current.version)
    return logged_in


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
    "TooManyAttempts",
    "authenticate",
    "close_login",
    "collect_providers",
    "development_only",
    "find_provider",
    "identity_of_pending",
    "pending_registration",
    "providers",
    "register",
    "registration_fields",
]
