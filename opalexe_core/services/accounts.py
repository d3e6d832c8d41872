"""The accounts directory: creating, disabling and enabling accounts."""

from __future__ import annotations

from ..contract import AccountCourtChanged, AccountCreated, AccountDisabled, AccountEnabled, Profile, UserError
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


#: The profiles whose account may be attached to a court.
COURT_PROFILES = (Profile.MAGISTRAT, Profile.GREFFIER)


def set_account_court(platform: Platform, actor: Actor, account: Account, court_code: str | None) -> None:
    """Attach a magistrate's or clerk's account to its court (``None``:
    detach it). Its clerks send designations in the court's name; its
    clerks and magistrates replace one another on its running cases. (A
    card login backed by the ministry's directory may set it too.)"""
    platform.require(actor, ADMIN, account, _("Seul l'administrateur de la plateforme rattache un compte à une "
                                              "juridiction."))
    court_code = court_code or None
    if court_code is not None:
        if Profile(account.profile) not in COURT_PROFILES:
            raise UserError(_("Seuls les comptes de magistrats et de greffiers sont rattachés à une juridiction."),
                            "court_code")
        if platform.root.jurisdictions.get(court_code) is None:
            raise UserError(_("Juridiction inconnue : ${code}", mapping={"code": court_code}), "court_code")
    if account.court_code == court_code:
        raise UserError(_("Le compte de ${name} est déjà rattaché ainsi.", mapping={"name": account.display_name}),
                        "court_code")
    account.court_code = court_code
    platform.event(AccountCourtChanged, actor, account, account_id=account.id, jurisdiction_code=court_code)
