"""Creating expertises, adding participants, moving them through their statuses."""

from __future__ import annotations

from datetime import UTC, datetime

from ..contract import PARTY_ROLES, Role, StatusChange
from ..resources.expertise import DEPOSIT_STATUSES, TRANSITIONS, Expertise, Folder, Participant, Party
from .events import after_commit
from .naming import case_facts, compute_case_name, normalize_number

#: The roles an account may play in a case, by its profile. A sapiteur is a
#: specialist: a registered expert or not. The administrator plays none.
ROLES_BY_PROFILE = {
    "expert": (Role.EXPERT, Role.CO_EXPERT, Role.SAPITEUR),
    "intervenant": (Role.INTERVENANT, Role.SAPITEUR),
    "magistrat": (Role.MAGISTRAT,),
    "greffier": (Role.GREFFIER,),
    "avocat": (Role.AVOCAT,),
    "mediateur": (Role.MEDIATEUR,),
    "administrateur": (),
}


class ExpertiseError(ValueError):
    """A request the case's rules refuse; ``message`` is French, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def create_expertise(root, pm, *, expert, jurisdiction_code, rg, exp, parties, order_date=None, mission="",
                     report_due=None) -> Expertise:
    """Create a case for ``expert`` (an Account) with ``parties`` given as
    (name, side, kind) in the order of the decision; names it through the
    naming hook and builds its folders from the folder-tree hook."""
    jurisdiction = root.jurisdictions.get(jurisdiction_code)
    if jurisdiction is None:
        raise ExpertiseError(f"Juridiction inconnue : {jurisdiction_code}")
    party_objects = [Party(name, side, kind) for name, side, kind in parties]
    facts = case_facts(parties=party_objects, jurisdiction_short=jurisdiction.short_name, rg=rg, exp=exp,
                       expert_name=expert.last_name)
    name = compute_case_name(pm, facts)  # NamingError propagates before anything is stored
    expertise = Expertise(
        name=name,
        rg=normalize_number(pm, rg, "rg"),
        exp=normalize_number(pm, exp, "exp") if exp else None,
        jurisdiction_code=jurisdiction_code,
        order_date=order_date,
        mission=mission,
        report_due=report_due,
    )
    expertise.parties.extend(party_objects)
    root.expertises.add(root.expertises.new_id(), expertise)
    _build_folders(expertise, pm, jurisdiction.spec())
    add_participant(root, expertise, expert, Role.EXPERT)
    return expertise


def _build_folders(expertise, pm, jurisdiction_spec):
    tree = pm.hook.opalexe_folder_tree_define(jurisdiction=jurisdiction_spec, party_count=len(expertise.parties))

    def build(container, specs):
        for index, spec in enumerate(specs, start=1):
            party = expertise.parties[spec.party_index] if spec.party_index is not None else None
            title = party.name if party is not None else spec.title
            folder = Folder(spec.kind, title, party.id if party is not None else None)
            container.add(f"{index:02d}-{spec.kind.replace('_', '-')}", folder)
            build(folder, spec.children)

    build(expertise.folders, tree)


def add_participant(root, expertise, account, role, party_id=None) -> Participant:
    """Add ``account`` to the case in ``role``. Refused: an account already
    in the case (active or not: its past stays on record; reactivation is its
    own action), a role its profile cannot play, a second expert, a lawyer or
    intervenant without one of the case's parties, a closed case."""
    role = Role(role)
    if expertise.status not in DEPOSIT_STATUSES:
        raise ExpertiseError("L'expertise est close : on ne peut plus y ajouter de participant.")
    if account.id in expertise.participants:
        raise ExpertiseError(f"{account.display_name} participe déjà à cette expertise.")
    if role not in ROLES_BY_PROFILE.get(account.profile, ()):
        raise ExpertiseError(f"Le profil de {account.display_name} ne lui permet pas ce rôle dans l'expertise.")
    if role is Role.EXPERT and expertise.participants_by_role(Role.EXPERT):
        raise ExpertiseError("L'expertise a déjà son expert : ajoutez un co-expert.")
    if role in PARTY_ROLES and expertise.party(party_id) is None:
        raise ExpertiseError("Un avocat ou un intervenant doit être rattaché à une partie de l'expertise.")
    if role not in PARTY_ROLES:
        party_id = None
    participant = Participant(account.id, role, party_id)
    expertise.participants[account.id] = participant
    account.expertise_ids.add(expertise.id)
    return participant


def change_status(expertise, new_status: str, *, actor_id: str | None, pm) -> None:
    """Move to ``new_status`` if the lifecycle allows it; the
    ``opalexe_expertise_status_changed`` hook fires after commit."""
    old = expertise.status
    if new_status not in TRANSITIONS.get(old, ()):
        raise ExpertiseError(f"Passage impossible du statut « {old} » au statut « {new_status} ».")
    at = datetime.now(UTC)
    expertise.status = new_status
    expertise.status_history.append((new_status, actor_id, at))
    after_commit(
        pm.hook.opalexe_expertise_status_changed,
        obj=expertise,
        event=StatusChange(expertise_id=expertise.id, old=old, new=new_status, actor=actor_id, at=at),
    )
