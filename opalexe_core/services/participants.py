"""Who takes part in a case: adding, deactivating (« inactif ») and
reactivating participants, recording a party's objection to an insurer's
expert, replacing a court's magistrate or clerk on its running cases.

A participant is never removed: set « inactif », it opens nothing of the
case any more, and its past part stays on record (SPEC, "Authentication").
"""

from __future__ import annotations

from ..contract import (
    PARTY_ROLES,
    ROLES_BY_PROFILE,
    IntervenantCapacity,
    ObjectionRecorded,
    ParticipantAdded,
    ParticipantDeactivated,
    ParticipantReactivated,
    Profile,
    Role,
    StaffReplaced,
    Status,
)
from ..i18n import _
from ..permissions import MANAGE, STAFF
from ..resources.expertise import Participant
from .expertises import ExpertiseError, join, reindex, require_open, require_running
from .platform import Actor, Platform

#: What the CNCEJ FAQ advises: convocations and the report must reach the
#: party itself, so a party deactivated between those phases must be set
#: active again before them. Shown beside « Désactiver » and after it.
DEACTIVATION_WARNING = _(
    "Les convocations et le rapport doivent atteindre la partie elle-même (FAQ du CNCEJ) : ne la désactivez "
    "qu'en dehors de ces phases, et réactivez-la avant."
)

#: Roles the court staff replacement applies to.
COURT_ROLES = (Role.MAGISTRAT, Role.GREFFIER)


def add_participant(platform: Platform, actor: Actor, expertise, account, role, party_id=None,
                    capacity: IntervenantCapacity | str | None = None) -> Participant:
    """Add ``account`` to the case in ``role``. Refused: see :func:`check_participant`."""
    role, party_id, capacity = check_participant(platform, actor, expertise, account, role, party_id, capacity)
    participant = join(expertise, account, role, party_id)
    participant.capacity = capacity
    reindex(expertise)
    platform.event(ParticipantAdded, actor, expertise, expertise_id=expertise.id, account_id=account.id,
                   role=role, party_id=party_id)
    return participant


def check_participant(platform: Platform, actor: Actor, expertise, account, role, party_id=None,
                      capacity: IntervenantCapacity | str | None = None):
    """Whether ``account`` may join the case in ``role``; returns the role,
    the party id and the capacity as they are stored. Refused: an actor who
    does not manage the case, an account already in the case (active or not:
    its past stays on record; reactivation is its own action), a disabled
    account, a role its profile cannot play, a second expert, a lawyer or
    intervenant without one of the case's parties, an insurer's expert a
    party objected to, a closed case. Also used by the invitation by e-mail
    (:mod:`opalexe_core.services.invitations`)."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts ajoutent des participants."))
    try:
        role = Role(role)
    except ValueError:
        raise ExpertiseError(_("Rôle inconnu."), "role") from None
    require_running(expertise, _("L'expertise est close : on ne peut plus y ajouter de participant."))
    if account is None:
        raise ExpertiseError(_("Compte inconnu."), "account_id")
    if account.id in expertise.participants:
        raise ExpertiseError(_("${name} participe déjà à cette expertise.", mapping={"name": account.display_name}),
                             "account_id")
    if not account.active:
        raise ExpertiseError(_("Le compte de ${name} est désactivé.", mapping={"name": account.display_name}),
                             "account_id")
    if role not in ROLES_BY_PROFILE.get(Profile(account.profile), ()):
        raise ExpertiseError(_("Le profil de ${name} ne lui permet pas ce rôle dans l'expertise.",
                               mapping={"name": account.display_name}),
                             "role")
    if role is Role.EXPERT and expertise.participants_by_role(Role.EXPERT):
        raise ExpertiseError(_("L'expertise a déjà son expert : ajoutez un co-expert."), "role")
    if role in PARTY_ROLES and expertise.party(party_id) is None:
        raise ExpertiseError(_("Un avocat ou un intervenant doit être rattaché à une partie de l'expertise."),
                             "party_id")
    if role is Role.INTERVENANT:
        try:
            capacity = IntervenantCapacity(capacity or IntervenantCapacity.CONSEIL)
        except ValueError:
            raise ExpertiseError(_("Qualité inconnue."), "capacity") from None
        if capacity is IntervenantCapacity.ASSUREUR and expertise.objections_to(account.id):
            raise ExpertiseError(_("Une partie s'est opposée à l'admission de ${name} : un expert d'assurance "
                                   "n'est admis que si aucune partie ne s'y oppose.",
                                   mapping={"name": account.display_name}), "account_id")
    else:
        capacity = None
    if role not in PARTY_ROLES:
        party_id = None
    return role, party_id, capacity


def _participant(expertise, account_id) -> Participant:
    participant = expertise.participants.get(account_id) if account_id else None
    if participant is None:
        raise ExpertiseError(_("Ce compte ne participe pas à l'expertise."), "account_id")
    return participant


def deactivate_participant(platform: Platform, actor: Actor, expertise, account_id: str, reason: str = "") -> None:
    """Set a participant « inactif »: it opens nothing of the case any more
    (an old or compromised access; a party between two phases)."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts désactivent des participants."))
    require_open(expertise)
    participant = _participant(expertise, account_id)
    if participant.role is Role.EXPERT:
        raise ExpertiseError(_("L'expert de l'expertise ne peut pas être désactivé."), "account_id")
    if actor.account is not None and actor.account.id == account_id:
        raise ExpertiseError(_("Vous ne pouvez pas vous désactiver vous-même."), "account_id")
    if not participant.active:
        raise ExpertiseError(_("Ce participant est déjà inactif."), "account_id")
    reason = " ".join((reason or "").split())
    participant.record_change(False, actor.account_id, platform.now(), reason)
    reindex(expertise)
    platform.event(ParticipantDeactivated, actor, expertise, expertise_id=expertise.id, account_id=account_id,
                   role=participant.role, reason=reason)


def reactivate_participant(platform: Platform, actor: Actor, expertise, account_id: str) -> None:
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts réactivent des participants."))
    require_open(expertise)
    participant = _participant(expertise, account_id)
    if participant.active:
        raise ExpertiseError(_("Ce participant est actif."), "account_id")
    account = platform.root.accounts.get(account_id)
    if account is None or not account.active:
        raise ExpertiseError(_("Le compte de ce participant est désactivé sur la plateforme."), "account_id")
    if participant.capacity == IntervenantCapacity.ASSUREUR and expertise.objections_to(account_id):
        raise ExpertiseError(_("Une partie s'est opposée à l'admission de cet expert d'assurance."), "account_id")
    participant.record_change(True, actor.account_id, platform.now())
    reindex(expertise)
    platform.event(ParticipantReactivated, actor, expertise, expertise_id=expertise.id, account_id=account_id,
                   role=participant.role)


def record_objection(platform: Platform, actor: Actor, expertise, *, party_id: str, account, reason: str = "") -> bool:
    """Record that the party ``party_id`` objects to ``account`` acting as
    an insurer's expert for another party (CA Angers minutes, 2020: admitted
    only if the parties asked do not object). An insurer's expert already
    admitted is set « inactif » by it; returns whether it was."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts enregistrent une opposition."))
    require_open(expertise)
    party = expertise.party(party_id)
    if party is None:
        raise ExpertiseError(_("Cette partie n'est pas une partie de l'expertise."), "party_id")
    if account is None or Role.INTERVENANT not in ROLES_BY_PROFILE.get(Profile(account.profile), ()):
        raise ExpertiseError(_("Choisissez l'expert d'assurance auquel la partie s'oppose."), "account_id")
    participant = expertise.participants.get(account.id)
    if participant is not None and (participant.role is not Role.INTERVENANT
                                    or participant.capacity != IntervenantCapacity.ASSUREUR):
        raise ExpertiseError(_("${name} ne participe pas à l'expertise comme expert d'assurance.",
                               mapping={"name": account.display_name}), "account_id")
    if participant is not None and participant.party_id == party.id:
        raise ExpertiseError(_("Une partie ne s'oppose pas à l'expert de son propre assureur."), "party_id")
    if any(objection[0] == party.id for objection in expertise.objections_to(account.id)):
        raise ExpertiseError(_("L'opposition de cette partie est déjà enregistrée."), "party_id")
    reason = " ".join((reason or "").split())
    now = platform.now()
    expertise.objections = (*expertise.objections, (party.id, account.id, reason, actor.account_id, now))
    deactivated = participant is not None and participant.active
    if deactivated:
        participant.record_change(False, actor.account_id, now, reason)
        reindex(expertise)
    platform.event(ObjectionRecorded, actor, expertise, expertise_id=expertise.id, party_id=party.id,
                   account_id=account.id, reason=reason, deactivated=deactivated)
    return deactivated


def replace_court_staff(platform: Platform, actor: Actor, jurisdiction, *, role: Role | str, old, new) -> list[str]:
    """When court staff change: on every running case of ``jurisdiction``
    where ``old`` is the active magistrate (or clerk, ``role``), set it
    « inactif » and add ``new`` (or make it active again). One action for
    the court, instead of each expert updating each case (CA Angers
    minutes, 2020). Returns the ids of the cases changed."""
    platform.require(actor, STAFF, jurisdiction,
                     _("Seuls le greffe et les magistrats de la juridiction remplacent son personnel."))
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role not in COURT_ROLES:
        raise ExpertiseError(_("Choisissez le magistrat ou le greffier à remplacer."), "role")
    if old is None:
        raise ExpertiseError(_("Compte inconnu."), "old")
    if new is None or not new.active or role not in ROLES_BY_PROFILE.get(Profile(new.profile), ()):
        raise ExpertiseError(_("Choisissez un remplaçant qui puisse tenir ce rôle."), "new")
    if new.id == old.id:
        raise ExpertiseError(_("Le remplaçant doit être une autre personne."), "new")
    root = platform.root
    index = root.expertises.index
    candidates = [case_id for case_id in index.court_cases(jurisdiction.code) if case_id in old.expertise_ids]
    changed = []
    now = platform.now()
    for case_id in candidates:
        expertise = root.expertises.get(case_id)
        participant = expertise.active_participant(old.id) if expertise is not None else None
        if participant is None or participant.role is not role or Status(expertise.status) not in (
                Status.CREEE, Status.EN_COURS):
            continue
        successor = expertise.participants.get(new.id)
        if successor is not None and successor.role is not role:
            continue  # it plays another part here: the expert sorts it out
        participant.record_change(False, actor.account_id, now, f"remplacé(e) par {new.display_name}")
        if successor is None:
            join(expertise, new, role)
        elif not successor.active:
            successor.record_change(True, actor.account_id, now)
        attribute = "magistrate_contact" if role is Role.MAGISTRAT else "clerk_contact"
        if getattr(expertise, attribute) == old.display_name:
            setattr(expertise, attribute, new.display_name)
        reindex(expertise)
        changed.append(case_id)
    if not changed:
        raise ExpertiseError(_("${name} n'intervient dans aucune expertise en cours de cette juridiction.",
                               mapping={"name": old.display_name}), "old")
    platform.event(StaffReplaced, actor, jurisdiction, jurisdiction_code=jurisdiction.code, role=role,
                   old_account_id=old.id, new_account_id=new.id, expertise_ids=tuple(changed))
    return changed
