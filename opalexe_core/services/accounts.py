"""The accounts directory: creating, disabling and enabling accounts."""

from __future__ import annotations

from ..contract import AccountCreated, AccountDisabled, AccountEnabled, Profile, UserError
from ..i18n import _
from ..permissions import ADMIN
from ..resources.accounts import Account
from .platform import Actor, Platform


def create_account(platform: Platform, actor: Actor, *, first_name: str, last_name: str, email: str,
                   profile: Profile | str, is_admin: bool = False) -> Account:
    """A new account (the platform administrator's act)."""
    accounts = platform.root.accounts
    platform.require(actor, ADMIN, accounts, _("Seul l'administrateur de la plateforme crée des comptes."))
    if accounts.find_by_email(email) is not None:
        raise UserError(_("Un compte existe déjà avec cette adresse électronique."), "email")
    try:
        account = Account(first_name, last_name, email, Profile(profile), is_admin=is_admin)
    except ValueError as error:
        raise UserError(_("Compte refusé : ${error}.", mapping={"error": str(error)})) from None
    accounts.add_account(account)
    platform.event(AccountCreated, actor, account, account_id=account.id, email=account.email,
                   profile=account.profile, is_admin=account.is_admin)
    return account


def disable_account(platform: Platform, actor: Actor, account: Account, reason: str = "") -> int:
    """Disable ``account`` and close every open login of it (its sessions end
    at their next request); its history stays. Returns the logins closed."""
    platform.require(actor, ADMIN, account, _("Seul l'administrateur de la plateforme désactive des comptes."))
    if actor.account is not None and actor.account.id == account.id:
        raise UserError(_("Vous ne pouvez pas désactiver votre propre compte."))
    if not account.active:
        raise UserError(_("Le compte de ${name} est déjà désactivé.", mapping={"name": account.display_name}))
    closed = account.close_all_logins()
    account.disabled_at = platform.now()
    account.disabled_reason = " ".join((reason or "").split())
    platform.event(AccountDisabled, actor, account, account_id=account.id, reason=account.disabled_reason,
                   logins_closed=closed)
    return closed


def enable_account(platform: Platform, actor: Actor, account: Account) -> None:
    platform.require(actor, ADMIN, account, _("Seul l'administrateur de la plateforme réactive des comptes."))
    if account.active:
        raise UserError(_("Le compte de ${name} est actif.", mapping={"name": account.display_name}))
    account.disabled_at = None
    account.disabled_reason = ""
    platform.event(AccountEnabled, actor, account, account_id=account.id)


