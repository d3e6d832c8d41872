"""Designations (« saisines »): a court's clerk designates an expert
through the platform; the expert accepts (the case is created pre-filled
from the designation) or declines with a reason, which the clerk reads.

An expert not registered yet is invited by e-mail (the core's mail
receiver, :mod:`.mail`, sends it after commit). The invitation's link
carries a token signed with the platform's secret
(:func:`invitation_token`): once registered and logged in as an expert,
whoever opens that link receives the designation (:func:`claim_saisine`),
which proves it reads that mailbox. The token is stored nowhere, not even
in the event, so the journal never holds it.
"""

from __future__ import annotations

import hashlib
import hmac

from ..contract import (
    Profile,
    SaisineAccepted,
    SaisineClaimed,
    SaisineDeclined,
    SaisineSent,
    SaisineStatus,
    UserError,
)
from ..i18n import _
from ..permissions import ANSWER, CREATE, SEND_SAISINE
from ..resources.accounts import normalize_email
from ..resources.saisine import Saisine
from .expertises import STRUCTURAL, CaseData, ExpertiseError, build_case, check_case_data
from .platform import Actor, Platform


def invitation_token(secret: str, saisine_id: str) -> str:
    """The token of the invitation link of ``saisine_id``."""
    return hmac.new(secret.encode(), f"opalexe-saisine:{saisine_id}".encode(), hashlib.sha256).hexdigest()


def case_of(saisine: Saisine, accounts) -> CaseData:
    """The designation's facts as creation reads them (its magistrate an
    account again, when it is still there)."""
    case = saisine.case
    magistrate = case.get("magistrate")
    if magistrate not in (None, STRUCTURAL):
        magistrate = accounts.get(magistrate)
    return CaseData(
        jurisdiction_code=saisine.jurisdiction_code,
        rg=case["rg"],
        exp=case.get("exp"),
        parties=[tuple(party) for party in case.get("parties", ())],
        order_date=case.get("order_date"),
        mission=case.get("mission", ""),
        report_due=case.get("report_due"),
        consignation_amount=case.get("consignation_amount"),
        consignation_due=case.get("consignation_due"),
        magistrate=magistrate,
        clerk=accounts.get(saisine.sent_by) if saisine.sent_by else None,
    )


def send_saisine(platform: Platform, actor: Actor, jurisdiction, *, expert_email: str, data: CaseData) -> Saisine:
    """Send a designation in the name of ``jurisdiction`` to the expert at
    ``expert_email``: a registered expert receives it on its dashboard; an
    address no account holds gets an invitation to register."""
    platform.require(actor, SEND_SAISINE, jurisdiction,
                     _("Seul le greffe de la juridiction envoie une désignation en son nom."))
    email = normalize_email(expert_email)
    if "@" not in email:
        raise ExpertiseError(_("Indiquez l'adresse électronique de l'expert."), "expert_email")
    data.jurisdiction_code = jurisdiction.code
    data.clerk = None  # the sender is the clerk of the case
    data.lawyers = {}
    check_case_data(platform, data)
    expert = platform.root.accounts.find_by_email(email)
    if expert is not None and (Profile(expert.profile) is not Profile.EXPERT or not expert.active):
        raise ExpertiseError(_("Ce compte n'est pas celui d'un expert en activité sur la plateforme."),
                             "expert_email")
    magistrate = data.magistrate
    case = {
        "rg": data.rg,
        "exp": data.exp,
        "parties": tuple(tuple(str(value) for value in party) for party in data.parties),
        "order_date": data.order_date,
        "mission": data.mission,
        "report_due": data.report_due,
        "consignation_amount": data.consignation_amount,
        "consignation_due": data.consignation_due,
        "magistrate": magistrate if magistrate in (None, STRUCTURAL) else magistrate.id,
    }
    saisine = Saisine(jurisdiction_code=jurisdiction.code, sent_by=actor.account_id, sent_at=platform.now(),
                      expert_email=email, expert_account_id=expert.id if expert is not None else None, case=case)
    platform.root.saisines.add_saisine(saisine)
    platform.event(SaisineSent, actor, saisine, saisine_id=saisine.id, jurisdiction_code=jurisdiction.code,
                   expert_email=email, expert_account_id=saisine.expert_account_id, invitation=expert is None)
    return saisine


def claim_saisine(platform: Platform, actor: Actor, saisine: Saisine, token: str) -> None:
    """The invited expert, registered and logged in, opened its invitation's
    link: the designation is now addressed to its account."""
    platform.require(actor, CREATE, platform.root.expertises, _("Seul un expert reçoit une désignation."))
    secret = getattr(platform.settings, "session_secret", "") or ""
    expected = invitation_token(secret, saisine.id) if secret else None
    if (expected is None or not hmac.compare_digest(expected, str(token or ""))
            or saisine.expert_account_id is not None or not saisine.pending):
        raise UserError(_("Ce lien d'invitation n'est pas valide, ou la désignation a déjà été reçue."))
    platform.root.saisines.addressed(saisine, actor.account_id)
    platform.event(SaisineClaimed, actor, saisine, saisine_id=saisine.id, account_id=actor.account_id)


def _pending(saisine: Saisine) -> None:
    if not saisine.pending:
        raise ExpertiseError(_("Cette désignation a déjà reçu une réponse."))


def accept_saisine(platform: Platform, actor: Actor, saisine: Saisine, data: CaseData):
    """The expert accepts: the case is created from ``data`` (the
    designation's facts, which the expert may have completed), with the
    clerk who sent it; the designation order is to be deposited in
    «greffe→expert-parties» once documents exist."""
    platform.require(actor, ANSWER, saisine, _("Cette désignation ne vous est pas adressée."))
    _pending(saisine)
    data.jurisdiction_code = saisine.jurisdiction_code
    sender = platform.root.accounts.get(saisine.sent_by) if saisine.sent_by else None
    data.clerk = sender if sender is not None and sender.active else data.clerk
    expertise, joined = build_case(platform, actor, data)
    expertise.saisine_id = saisine.id
    saisine.status = SaisineStatus.ACCEPTEE
    saisine.answered_at = platform.now()
    saisine.expertise_id = expertise.id
    platform.event(SaisineAccepted, actor, expertise, expertise_id=expertise.id, name=expertise.name,
                   jurisdiction_code=expertise.jurisdiction_code, participants=tuple(joined), saisine_id=saisine.id)
    return expertise


def decline_saisine(platform: Platform, actor: Actor, saisine: Saisine, reason: str) -> None:
    platform.require(actor, ANSWER, saisine, _("Cette désignation ne vous est pas adressée."))
    _pending(saisine)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ExpertiseError(_("Indiquez le motif du refus : le greffe le lira."), "reason")
    saisine.status = SaisineStatus.REFUSEE
    saisine.answered_at = platform.now()
    saisine.decline_reason = reason
    platform.event(SaisineDeclined, actor, saisine, saisine_id=saisine.id, reason=reason)
