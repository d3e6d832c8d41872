"""Creating expertises, moving them through their statuses, their parties.

Participants are :mod:`.participants`' business, exceptions to the rights
matrix :mod:`.folder_access`'s, designations sent by courts :mod:`.saisines`'.
Every change here refreshes the case's summary in the dashboards' index
(:mod:`opalexe_core.resources.case_index`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..contract import (
    ExpertiseCreated,
    PaperReason,
    PaperServiceCleared,
    PaperServiceSet,
    PartyAdded,
    PartyKind,
    PartySide,
    Profile,
    Role,
    Status,
    StatusChanged,
    UserError,
)
from ..i18n import _
from ..numbers import number_key
from ..permissions import ADVANCE, CREATE, MANAGE
from ..resources.expertise import Expertise, Folder, Participant, Party
from .naming import case_facts, compute_case_name, normalize_number
from .platform import Actor, Platform

#: The magistrate or clerk « in charge » of a case may be the court's
#: structural address (expertises.tj-[ville]@justice.fr) rather than a person.
STRUCTURAL = "structure"


class ExpertiseError(UserError):
    """A request the case's rules refuse; ``message`` is French, for the user."""


@dataclass
class CaseData:
    """What a designation order says, as a form or a designation gives it.

    ``parties``: (name, side, kind) in the order of the decision;
    ``lawyers``: party index → the lawyers' accounts; ``magistrate`` and
    ``clerk``: an account, :data:`STRUCTURAL`, or ``None``."""

    jurisdiction_code: str
    rg: str
    exp: str | None = None
    parties: list = field(default_factory=list)
    order_date: date | None = None
    mission: str = ""
    report_due: date | None = None
    consignation_amount: Decimal | None = None
    consignation_due: date | None = None
    magistrate: object = None
    clerk: object = None
    lawyers: dict = field(default_factory=dict)


# -- checks shared by creation and designations ------------------------------------------


def require_open(expertise) -> None:
    """An archived case changes no more."""
    if Status(expertise.status) is Status.ARCHIVEE:
        raise ExpertiseError(_("L'expertise est archivée : elle ne change plus."))


def require_running(expertise, message) -> None:
    """A « terminée » or archived case takes no new party nor participant."""
    if not expertise.takes_deposits:
        raise ExpertiseError(message)


def check_case_data(platform: Platform, data: CaseData) -> tuple:
    """Check ``data`` as the core's rules read it, whatever naming rule
    applies; returns (the court, the parties as :class:`Party` objects not
    stored yet). Raises :class:`ExpertiseError` naming the field at fault."""
    root = platform.root
    jurisdiction = root.jurisdictions.get(data.jurisdiction_code) if data.jurisdiction_code else None
    if jurisdiction is None:
        raise ExpertiseError(_("Juridiction inconnue : ${code}", mapping={"code": data.jurisdiction_code or "—"}),
                             "jurisdiction_code")
    if number_key(data.rg, "rg") is None:
        raise ExpertiseError(_("Le n° RG « ${number} » n'est pas valide : écrivez l'année et le numéro de l'affaire "
                               "séparés par une barre, par exemple 18/00001.", mapping={"number": data.rg or ""}),
                             "rg")
    if data.exp:
        if number_key(data.exp, "exp") is None:
            raise ExpertiseError(_("Le n° EXP « ${number} » n'est pas valide : écrivez l'année et le numéro d'ordre "
                                   "séparés par une barre, par exemple 20/56.", mapping={"number": data.exp}), "exp")
        if root.expertises.index.case_with_exp(jurisdiction.code, data.exp) is not None:
            raise ExpertiseError(_("Le n° EXP ${number} est déjà celui d'une autre expertise de cette juridiction.",
                                   mapping={"number": data.exp}), "exp")
    try:
        parties = [Party(name, PartySide(side), PartyKind(kind)) for name, side, kind in data.parties]
    except ValueError as error:
        raise ExpertiseError(_("Partie refusée : ${error}.", mapping={"error": str(error)}), "parties") from None
    if not any(party.side == PartySide.DEMANDEUR for party in parties):
        raise ExpertiseError(_("Indiquez le premier demandeur : il nomme l'expertise."), "demandeurs")
    if not any(party.side == PartySide.DEFENDEUR for party in parties):
        raise ExpertiseError(_("Indiquez le premier défendeur : il nomme l'expertise."), "defendeurs")
    for when, name in ((data.report_due, "report_due"), (data.consignation_due, "consignation_due")):
        if when is not None and data.order_date is not None and when < data.order_date:
            raise ExpertiseError(_("Cette échéance précède la date de l'ordonnance."), name)
    if data.consignation_amount is not None and data.consignation_amount < 0:
        raise ExpertiseError(_("Le montant de la consignation ne peut être négatif."), "consignation_amount")
    _check_person(data.magistrate, Profile.MAGISTRAT, "magistrate", jurisdiction)
    _check_person(data.clerk, Profile.GREFFIER, "clerk", jurisdiction)
    seen = set()
    for index, lawyers in data.lawyers.items():
        if not 0 <= index < len(parties):
            raise ExpertiseError(_("Un avocat doit être rattaché à une partie de l'expertise."), "parties")
        for lawyer in lawyers:
            if Profile(lawyer.profile) is not Profile.AVOCAT or not lawyer.active:
                raise ExpertiseError(_("${name} n'est pas un avocat inscrit sur la plateforme.",
                                       mapping={"name": lawyer.display_name}), "parties")
            if lawyer.id in seen:
                raise ExpertiseError(_("${name} ne peut représenter qu'une partie dans l'expertise.",
                                       mapping={"name": lawyer.display_name}), "parties")
            seen.add(lawyer.id)
    return jurisdiction, parties


def _check_person(person, profile: Profile, field_name: str, jurisdiction) -> None:
    if person is None:
        return
    if person == STRUCTURAL:
        if not jurisdiction.expertise_email:
            raise ExpertiseError(_("Cette juridiction n'a pas d'adresse structurelle du contrôle des expertises : "
                                   "choisissez une personne."), field_name)
        return
    if Profile(person.profile) is not profile or not person.active:
        raise ExpertiseError(_("${name} ne peut pas tenir ce rôle.", mapping={"name": person.display_name}),
                             field_name)


def _expert_of(actor: Actor, expert):
    expert = actor.account if expert is None else expert
    if expert is None or Profile(expert.profile) is not Profile.EXPERT or not expert.active:
        raise ExpertiseError(_("Une expertise est créée par un expert."))
    return expert


def _name(platform: Platform, expert, jurisdiction, parties, data: CaseData) -> str:
    facts = case_facts(parties=parties, jurisdiction_short=jurisdiction.short_name, rg=data.rg, exp=data.exp,
                       expert_name=expert.last_name)
    return compute_case_name(platform.pm, facts)  # NamingError propagates before anything is stored


# -- creating ----------------------------------------------------------------------------


def preview_case_name(platform: Platform, actor: Actor, data: CaseData, expert=None) -> str:
    """The name the case would get, after every check creation makes;
    nothing is stored (the form shows it before saving)."""
    platform.require(actor, CREATE, platform.root.expertises, _("Seul un expert peut créer une expertise."))
    expert = _expert_of(actor, expert)
    jurisdiction, parties = check_case_data(platform, data)
    name = _name(platform, expert, jurisdiction, parties, data)
    normalize_number(platform.pm, data.rg, "rg")
    if data.exp:
        normalize_number(platform.pm, data.exp, "exp")
    return name


def build_case(platform: Platform, actor: Actor, data: CaseData, expert=None) -> tuple[Expertise, list]:
    """Check ``data``, name and store the case with its folders and first
    participants, without emitting its event (the caller's one service
    does). Returns the case and its participants as the event lists them."""
    root = platform.root
    platform.require(actor, CREATE, root.expertises, _("Seul un expert peut créer une expertise."))
    expert = _expert_of(actor, expert)
    jurisdiction, parties = check_case_data(platform, data)
    name = _name(platform, expert, jurisdiction, parties, data)
    expertise = Expertise(
        name=name,
        rg=normalize_number(platform.pm, data.rg, "rg"),
        exp=normalize_number(platform.pm, data.exp, "exp") if data.exp else None,
        jurisdiction_code=jurisdiction.code,
        order_date=data.order_date,
        mission=data.mission,
        report_due=data.report_due,
    )
    expertise.consignation_amount = data.consignation_amount
    expertise.consignation_due = data.consignation_due
    for party in parties:
        expertise.add_party(party)
    root.expertises.add(root.expertises.new_id(), expertise)
    _build_folders(expertise, platform.pm, jurisdiction.spec())
    joined = [join(expertise, expert, Role.EXPERT)]
    for person, role, attribute in ((data.magistrate, Role.MAGISTRAT, "magistrate_contact"),
                                    (data.clerk, Role.GREFFIER, "clerk_contact")):
        if person == STRUCTURAL:
            setattr(expertise, attribute, jurisdiction.expertise_email)
        elif person is not None:
            setattr(expertise, attribute, person.display_name)
            if person.id not in expertise.participants:
                joined.append(join(expertise, person, role))
    for index, lawyers in sorted(data.lawyers.items()):
        for lawyer in lawyers:
            joined.append(join(expertise, lawyer, Role.AVOCAT, expertise.parties[index].id))
    reindex(expertise)
    return expertise, [(p.account_id, p.role, p.party_id) for p in joined]


def create_expertise(platform: Platform, actor: Actor, data: CaseData | None = None, *, expert=None,
                     **fields) -> Expertise:
    """Create a case from its designation order (``data``, or its fields as
    keywords), named through the naming hook, with the folders the
    folder-tree hook gives. The expert is the actor (the platform itself
    names one with ``expert``)."""
    data = data if data is not None else CaseData(**fields)
    expertise, joined = build_case(platform, actor, data, expert)
    platform.event(ExpertiseCreated, actor, expertise, expertise_id=expertise.id, name=expertise.name,
                   jurisdiction_code=expertise.jurisdiction_code, participants=tuple(joined))
    return expertise


def folder_tree(pm, expertise, jurisdiction_spec) -> list:
    """The folder tree the hook gives for the case as it is now."""
    parties = tuple(party.facts() for party in expertise.parties)
    return pm.hook.opalexe_folder_tree_define(jurisdiction=jurisdiction_spec, parties=parties,
                                              party_count=len(parties))


def _folder_name(index: int, kind: str) -> str:
    return f"{index:02d}-{str(kind).replace('_', '-')}"


def _add_folder(expertise, container, spec, index: int) -> Folder:
    party = expertise.parties[spec.party_index] if spec.party_index is not None else None
    title = party.name if party is not None else spec.title
    folder = Folder(str(spec.kind), title, party.id if party is not None else None)
    container.add(_folder_name(index, spec.kind), folder)
    return folder


def _build_folders(expertise, pm, jurisdiction_spec):
    def build(container, specs):
        for index, spec in enumerate(specs, start=1):
            build(_add_folder(expertise, container, spec, index), spec.children)

    build(expertise.folders, folder_tree(pm, expertise, jurisdiction_spec))


def join(expertise, account, role, party_id=None) -> Participant:
    """Make ``account`` a participant (no check, no event: the services do both)."""
    participant = Participant(account.id, role, party_id)
    expertise.participants[account.id] = participant
    account.expertise_ids.add(expertise.id)
    return participant


def reindex(expertise) -> None:
    """Refresh the case's summary in the dashboards' index of its container
    (no check, no event: the services that change the case call it)."""
    expertise.__parent__.index.refresh(expertise)


# -- status ------------------------------------------------------------------------------


def change_status(platform: Platform, actor: Actor, expertise, new_status: Status | str) -> None:
    """Move the case to ``new_status`` if the lifecycle allows it (only the
    expert moves a case forward); the ``opalexe_expertise_status_changed``
    hook is called after commit, through the outbox."""
    platform.require(actor, ADVANCE, expertise, _("Seul l'expert fait avancer l'expertise."))
    old = Status(expertise.status)
    try:
        new = Status(new_status)
    except ValueError:
        raise ExpertiseError(_("Statut inconnu : ${status}", mapping={"status": str(new_status)}),
                             "status") from None
    if new not in old.next:
        raise ExpertiseError(_("Passage impossible du statut « ${old} » au statut « ${new} ».",
                               mapping={"old": old.value, "new": new.value}), "status")
    expertise.status = new
    expertise.status_history.append((new, actor.account_id, platform.now()))
    reindex(expertise)
    platform.event(StatusChanged, actor, expertise, expertise_id=expertise.id, old=old, new=new)


# -- parties -----------------------------------------------------------------------------


def add_party(platform: Platform, actor: Actor, expertise, *, name: str, side: PartySide | str,
              kind: PartyKind | str) -> Party:
    """A party joins the case after its creation: it goes last, and gets the
    folders the folder-tree hook gives for it (asked again with every party)."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts ajoutent des parties."))
    require_running(expertise, _("L'expertise est close : on ne peut plus y ajouter de partie."))
    try:
        party = Party(name, PartySide(side), PartyKind(kind))
    except ValueError:
        raise ExpertiseError(_("Indiquez le nom, la qualité et la nature de la partie."), "name") from None
    if any(p.name.casefold() == party.name.casefold() for p in expertise.parties):
        raise ExpertiseError(_("${name} est déjà partie à l'expertise.", mapping={"name": party.name}), "name")
    expertise.add_party(party)
    jurisdiction = platform.root.jurisdictions.get(expertise.jurisdiction_code)
    index = len(expertise.parties) - 1
    added = []

    def walk(container, specs):
        for spec in specs:
            if spec.party_index == index:
                number = max((int(name[:2]) for name in container.keys() if name[:2].isdigit()), default=0) + 1
                added.append(_add_folder(expertise, container, spec, number))
                walk(added[-1], spec.children)
            else:
                child = next((f for f in container.values() if isinstance(f, Folder) and f.kind == str(spec.kind)
                              and f.party_id is None), None)
                if child is not None and spec.children:
                    walk(child, spec.children)

    walk(expertise.folders, folder_tree(platform.pm, expertise, jurisdiction.spec() if jurisdiction else None))
    reindex(expertise)
    platform.event(PartyAdded, actor, expertise, expertise_id=expertise.id, party_id=party.id, name=party.name,
                   side=party.side, party_kind=party.kind, folders=tuple("/".join(f.path) for f in added))
    return party


def _party(expertise, party_id) -> Party:
    party = expertise.party(party_id)
    if party is None:
        raise ExpertiseError(_("Cette partie n'est pas une partie de l'expertise."), "party_id")
    return party


def set_paper_service(platform: Platform, actor: Actor, expertise, party_id: str, reason: PaperReason | str,
                      note: str = "") -> None:
    """Flag a party that does not dematerialise (refused, absent,
    defaulting): every participant sees it must still be served on paper."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts signalent une partie."))
    require_open(expertise)
    party = _party(expertise, party_id)
    try:
        reason = PaperReason(reason)
    except ValueError:
        raise ExpertiseError(_("Motif inconnu."), "reason") from None
    if party.paper_reason == reason:
        raise ExpertiseError(_("${name} est déjà signalée pour ce motif.", mapping={"name": party.name}), "reason")
    party.paper_reason = reason
    party.paper_note = " ".join((note or "").split())
    platform.event(PaperServiceSet, actor, expertise, expertise_id=expertise.id, party_id=party.id, reason=reason,
                   note=party.paper_note)


def clear_paper_service(platform: Platform, actor: Actor, expertise, party_id: str, note: str = "") -> None:
    """The party now dematerialises: the flag goes."""
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts signalent une partie."))
    require_open(expertise)
    party = _party(expertise, party_id)
    if party.paper_reason is None:
        raise ExpertiseError(_("${name} n'est pas signalée.", mapping={"name": party.name}), "party_id")
    party.paper_reason = None
    party.paper_note = ""
    platform.event(PaperServiceCleared, actor, expertise, expertise_id=expertise.id, party_id=party.id,
                   note=" ".join((note or "").split()))


def __getattr__(name):
    """``add_participant`` stays importable from here, where it first lived
    (it is :mod:`.participants`' now; imported late: that module imports this one)."""
    if name == "add_participant":
        from .participants import add_participant

        return add_participant
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
