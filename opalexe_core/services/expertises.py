"""Creating expertises, adding participants, moving them through their statuses."""

from __future__ import annotations

from ..contract import (
    PARTY_ROLES,
    ROLES_BY_PROFILE,
    ExpertiseCreated,
    ParticipantAdded,
    PartyKind,
    PartySide,
    Profile,
    Role,
    Status,
    StatusChanged,
    UserError,
)
from ..i18n import _
from ..permissions import ADVANCE, CREATE, MANAGE
from ..resources.expertise import Expertise, Folder, Participant, Party
from .naming import case_facts, compute_case_name, normalize_number
from .platform import Actor, Platform


class ExpertiseError(UserError):
    """A request the case's rules refuse; ``message`` is French, for the user."""


def create_expertise(platform: Platform, actor: Actor, *, jurisdiction_code, rg, exp, parties, order_date=None,
                     mission="", report_due=None, expert=None) -> Expertise:
    """Create a case with ``parties`` given as (name, side, kind) in the order
    of the decision; names it through the naming hook and builds its folders
    from the folder-tree hook. The expert is the actor (the platform itself
    names one with ``expert``)."""
    root = platform.root
    platform.require(actor, CREATE, root.expertises, _("Seul un expert peut créer une expertise."))
    expert = actor.account if expert is None else expert
    if expert is None or Role.EXPERT not in ROLES_BY_PROFILE.get(Profile(expert.profile), ()):
        raise ExpertiseError(_("Une expertise est créée par un expert."))
    jurisdiction = root.jurisdictions.get(jurisdiction_code)
    if jurisdiction is None:
        raise ExpertiseError(_("Juridiction inconnue : ${code}", mapping={"code": jurisdiction_code}),
                             "jurisdiction_code")
    try:
        party_objects = [Party(name, PartySide(side), PartyKind(kind)) for name, side, kind in parties]
    except ValueError as error:
        raise ExpertiseError(_("Partie refusée : ${error}.", mapping={"error": str(error)}), "parties") from None
    facts = case_facts(parties=party_objects, jurisdiction_short=jurisdiction.short_name, rg=rg, exp=exp,
                       expert_name=expert.last_name)
    name = compute_case_name(platform.pm, facts)  # NamingError propagates before anything is stored
    expertise = Expertise(
        name=name,
        rg=normalize_number(platform.pm, rg, "rg"),
        exp=normalize_number(platform.pm, exp, "exp") if exp else None,
        jurisdiction_code=jurisdiction_code,
        order_date=order_date,
        mission=mission,
        report_due=report_due,
    )
    for party in party_objects:
        expertise.add_party(party)
    root.expertises.add(root.expertises.new_id(), expertise)
    _build_folders(expertise, platform.pm, jurisdiction.spec())
    _join(expertise, expert, Role.EXPERT)
    platform.event(ExpertiseCreated, actor, expertise, expertise_id=expertise.id, name=expertise.name,
                   jurisdiction_code=jurisdiction_code)
    return expertise


def folder_tree(pm, expertise, jurisdiction_spec) -> list:
    """The folder tree the hook gives for the case as it is now."""
    parties = tuple(party.facts() for party in expertise.parties)
    return pm.hook.opalexe_folder_tree_define(jurisdiction=jurisdiction_spec, parties=parties,
                                              party_count=len(parties))


def _build_folders(expertise, pm, jurisdiction_spec):
    def build(container, specs):
        for index, spec in enumerate(specs, start=1):
            party = expertise.parties[spec.party_index] if spec.party_index is not None else None
            title = party.name if party is not None else spec.title
            folder = Folder(str(spec.kind), title, party.id if party is not None else None)
            container.add(f"{index:02d}-{str(spec.kind).replace('_', '-')}", folder)
            build(folder, spec.children)

    build(expertise.folders, folder_tree(pm, expertise, jurisdiction_spec))


def _join(expertise, account, role, party_id=None) -> Participant:
    participant = Participant(account.id, role, party_id)
    expertise.participants[account.id] = participant
    account.expertise_ids.add(expertise.id)
    return participant


def add_participant(platform: Platform, actor: Actor, expertise, account, role, party_id=None) -> Participant:
    """Add ``account`` to the case in ``role``. Refused: see :func:`check_participant`."""
    role, party_id = check_participant(platform, actor, expertise, account, role, party_id)
    participant = _join(expertise, account, role, party_id)
    platform.event(ParticipantAdded, actor, expertise, expertise_id=expertise.id, account_id=account.id,
                   role=role, party_id=party_id)
    return participant


def check_participant(platform: Platform, actor: Actor, expertise, account, role, party_id=None):
    """Whether ``account`` may join the case in ``role``; returns the role and
    the party id as they are stored. Refused: an actor who does not
    manage the case, an account already in the case (active or not: its past
    stays on record; reactivation is its own action), a disabled account, a
    role its profile cannot play, a second expert, a lawyer or intervenant
    without one of the case's parties, a closed case. Also used by the
    invitation by e-mail (:mod:`opalexe_core.services.invitations`)."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts ajoutent des participants."))
    role = Role(role)
    if not expertise.takes_deposits:
        raise ExpertiseError(_("L'expertise est close : on ne peut plus y ajouter de participant."))
    if account.id in expertise.participants:
        raise ExpertiseError(_("${name} participe déjà à cette expertise.", mapping={"name": account.display_name}))
    if not account.active:
        raise ExpertiseError(_("Le compte de ${name} est désactivé.", mapping={"name": account.display_name}))
    if role not in ROLES_BY_PROFILE.get(Profile(account.profile), ()):
        raise ExpertiseError(_("Le profil de ${name} ne lui permet pas ce rôle dans l'expertise.",
                               mapping={"name": account.display_name}),
                             "role")
    if role is Role.EXPERT and expertise.participants_by_role(Role.EXPERT):
        raise ExpertiseError(_("L'expertise a déjà son expert : ajoutez un co-expert."), "role")
    if role in PARTY_ROLES and expertise.party(party_id) is None:
        raise ExpertiseError(_("Un avocat ou un intervenant doit être rattaché à une partie de l'expertise."),
                             "party_id")
    if role not in PARTY_ROLES:
        party_id = None
    return role, party_id


def change_status(platform: Platform, actor: Actor, expertise, new_status: Status | str) -> None:
    """Move the case to ``new_status`` if the lifecycle allows it (only the
    expert moves a case forward); the ``opalexe_expertise_status_changed``
    hook is called after commit, through the outbox."""
    platform.require(actor, ADVANCE, expertise, _("Seul l'expert fait avancer l'expertise."))
    old = Status(expertise.status)
    try:
        new = Status(new_status)
    except ValueError:
        raise ExpertiseError(_("Statut inconnu : ${status}", mapping={"status": str(new_status)})) from None
    if new not in old.next:
        raise ExpertiseError(_("Passage impossible du statut « ${old} » au statut « ${new} ».",
                               mapping={"old": old.value, "new": new.value}))
    expertise.status = new
    expertise.status_history.append((new, actor.account_id, platform.now()))
    platform.event(StatusChanged, actor, expertise, expertise_id=expertise.id, old=old, new=new)
