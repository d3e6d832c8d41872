"""Inviting a participant by e-mail (issue #19).

The expert (or a co-expert) names somebody by e-mail address: the account
holding that address joins the case; an address no account holds gets a new
account first. One event, :class:`~opalexe_core.contract.ParticipantInvited`,
carries what the mails need; after commit the e-mail login plugin
(``auth_email_otp``) sends the invitation and, to an account without a
password yet, the password. The core sends no mail itself.

Who can be invited with a new account: the people who log in by e-mail or
with a software certificate (release notes of 29 May 2024, 2.3): an
intervenant de partie, a sapiteur, a co-expert without a card, a médiateur.
A lawyer, a magistrate or a clerk logs in with a card or key and registers
at its first connection: it is invited once it has an account.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from ..contract import ParticipantInvited, Profile, Role, UserError
from ..i18n import _
from ..permissions import MANAGE
from ..resources.accounts import Account, normalize_email
from ..resources.expertise import Participant
from .events import current_transaction
from .expertises import _join, check_participant
from .platform import Actor, Platform

#: The profile of the account an invitation creates, by the role it is invited to.
INVITED_PROFILES = MappingProxyType({
    Role.INTERVENANT: Profile.INTERVENANT,
    Role.SAPITEUR: Profile.INTERVENANT,
    Role.CO_EXPERT: Profile.EXPERT,
    Role.MEDIATEUR: Profile.MEDIATEUR,
})

#: The roles the invitation form offers (an existing account may also be
#: invited as a lawyer, magistrate or clerk; never as the case's expert).
INVITABLE_ROLES = (Role.INTERVENANT, Role.SAPITEUR, Role.CO_EXPERT, Role.MEDIATEUR, Role.AVOCAT, Role.MAGISTRAT,
                   Role.GREFFIER)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvitationError(UserError):
    """An invitation the case's rules refuse; nothing was changed."""


def invite_participant(platform: Platform, actor: Actor, expertise, *, email: str, first_name: str,
                       last_name: str, role: Role | str, party_id: str | None = None) -> Participant:
    """Invite ``email`` to the case in ``role`` (for the party ``party_id``
    when the role acts for a party); creates the account when no account
    holds the address. The first and last names name a new account only.
    Refused, changing nothing: an actor who does not manage the case, an
    invalid address, a role that cannot be invited, an address without an
    account for a role that registers with its card, and every refusal of
    :func:`~opalexe_core.services.expertises.check_participant`."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts invitent des participants."))
    try:
        role = Role(role)
    except ValueError:
        raise InvitationError(_("Rôle inconnu."), "role") from None
    if role not in INVITABLE_ROLES:
        raise InvitationError(_("Ce rôle ne s'attribue pas par invitation."), "role")
    email = normalize_email(email)
    if not _EMAIL.fullmatch(email):
        raise InvitationError(_("Adresse électronique invalide."), "email")
    accounts = platform.root.accounts
    account = accounts.find_by_email(email)
    created = account is None
    # A refusal after the new account was made must leave nothing behind,
    # whatever the caller does with its transaction.
    savepoint = current_transaction(platform.root).savepoint()
    try:
        if created:
            account = _new_account(accounts, role, email, first_name, last_name)
        role, party_id = check_participant(platform, actor, expertise, account, role, party_id)
    except UserError:
        savepoint.rollback()
        raise
    participant = _join(expertise, account, role, party_id)
    participant.invited_at = platform.now()
    participant.invited_by = actor.account_id
    party = expertise.party(party_id)
    inviter = actor.account.display_name if actor.account is not None else ""
    platform.event(ParticipantInvited, actor, expertise, expertise_id=expertise.id, account_id=account.id,
                   role=role, party_id=party_id, email=account.email, first_name=account.first_name,
                   last_name=account.last_name, profile=Profile(account.profile), account_created=created,
                   expertise_name=expertise.name, invited_by=inviter, party_name=party.name if party else "")
    return participant


def _new_account(accounts, role: Role, email: str, first_name: str, last_name: str) -> Account:
    profile = INVITED_PROFILES.get(role)
    if profile is None:
        raise InvitationError(
            _("Aucun compte n'existe pour cette adresse : un avocat, un magistrat ou un greffier s'inscrit à sa "
              "première connexion avec sa carte ; invitez-le ensuite."),
            "email",
        )
    try:
        account = Account(first_name, last_name, email, profile)
    except ValueError as error:
        raise InvitationError(_("Invitation refusée : ${error}.", mapping={"error": str(error)})) from None
    return accounts.add_account(account)


def landing_expertise(root, account):
    """Where a participant lands after logging in: the case it was last
    invited to among those it still takes part in, or ``None`` (the
    dashboard) for an account never invited, or whose invitations all ended."""
    best = None
    for expertise_id in account.expertise_ids:
        expertise = root.expertises.get(expertise_id)
        participant = expertise.active_participant(account.id) if expertise is not None else None
        invited_at = getattr(participant, "invited_at", None)
        if invited_at is not None and (best is None or invited_at > best[0]):
            best = (invited_at, expertise)
    return best[1] if best else None


def active_expertise_count(root, account) -> int:
    count = 0
    for expertise_id in account.expertise_ids:
        expertise = root.expertises.get(expertise_id)
        if expertise is not None and expertise.active_participant(account.id) is not None:
            count += 1
    return count
