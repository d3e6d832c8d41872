"""Creating a case from its designation order, its parties added later, its
paper-served parties, its lifecycle: each change checks the actor's right,
emits one event, and a refusal names its field, stores nothing and emits
nothing."""

from datetime import date
from decimal import Decimal

import pytest

from opalexe_core.api import (
    ExpertiseCreated,
    FolderSpec,
    PaperReason,
    PaperServiceCleared,
    PaperServiceSet,
    PartyAdded,
    Role,
    Status,
    StatusChanged,
    hookimpl,
)
from opalexe_core.services.expertises import (
    STRUCTURAL,
    CaseData,
    ExpertiseError,
    add_party,
    change_status,
    clear_paper_service,
    preview_case_name,
    set_paper_service,
)
from opalexe_core.services.participants import deactivate_participant
from opalexe_core.services.platform import Refused

PARTIES = [("Dupont", "demandeur", "physique"), ("SARL Bâti Ouest", "defendeur", "morale"),
           ("Syndicat des copropriétaires de la résidence Les Tilleuls", "defendeur", "morale")]



def test_a_case_is_created_with_its_lawyers_magistrate_and_clerk_in_one_event(world):
    lawyers = {0: [world["avocat1"]], 1: [world["avocat2"]]}
    case = world.case(lawyers=lawyers, magistrate=world["magistrat"], clerk=STRUCTURAL,
                      consignation_amount=Decimal("1500.50"), consignation_due=date(2018, 4, 15),
                      report_due=date(2019, 3, 15), mission="Décrire les désordres.")

    assert case.name == "Dupont c/ SARL Bâti Ouest – TJ Angers – RG 18/00001"  # the core's default rule
    roles = {p.account_id: (p.role, p.party_id) for p in case.participants.values()}
    assert roles == {world["expert"].id: (Role.EXPERT, None), world["magistrat"].id: (Role.MAGISTRAT, None),
                     world["avocat1"].id: (Role.AVOCAT, case.parties[0].id),
                     world["avocat2"].id: (Role.AVOCAT, case.parties[1].id)}
    assert (case.magistrate_contact, case.clerk_contact) == ("Hélène DURAND", "expertises.tj-angers@justice.fr")
    assert (case.consignation_amount, case.deadlines()) == (Decimal("1500.50"), (date(2018, 4, 15),
                                                                                 date(2019, 3, 15)))
    [event] = world.events(ExpertiseCreated)
    assert event.expertise_id == case.id and set(event.participants) == {
        (account_id, role, party_id) for account_id, (role, party_id) in roles.items()}
    assert world.outbox_size == 1 + 16  # the accounts' and court attachments' events, then this one
    index = world.platform.root.expertises.index
    assert index.summary(case.id).role_of(world["avocat1"].id) is Role.AVOCAT
    assert index.case_with_exp("tj-angers", "2018/1") == case.id
    assert case.id in world["avocat1"].expertise_ids


def bad(field, **data):
    return pytest.param(field, data, id=f"{field}-{'-'.join(data)}")


#: Validation refusals, decided before anything is written: FileStorage only
#: (the kit's ``storage`` runs each test on RelStorage too; the cases written
#: run on both).
VALIDATION_ONLY = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)


@VALIDATION_ONLY
@pytest.mark.parametrize(("field", "data"), [
    bad("demandeurs", parties=[("SARL Bâti Ouest", "defendeur", "morale")]),
    bad("defendeurs", parties=[("Dupont", "demandeur", "physique")]),
    bad("parties", parties=[("  ", "demandeur", "physique"), ("SARL Bâti Ouest", "defendeur", "morale")]),
    bad("parties", parties=[("Dupont", "témoin", "physique"), ("SARL Bâti Ouest", "defendeur", "morale")]),
    bad("rg", rg="abc"),
    bad("rg", rg="18/"),
    bad("rg", rg="18/00000"),
    bad("rg", rg="EXP 18/00001"),
    bad("exp", exp="EXP 18"),
    bad("exp", exp="RG 20/56"),
    bad("jurisdiction_code", jurisdiction_code="tj-atlantide"),
    bad("jurisdiction_code", jurisdiction_code=""),
    bad("report_due", report_due=date(2017, 1, 1)),
    bad("consignation_due", consignation_due=date(2018, 3, 14)),
    bad("consignation_amount", consignation_amount=Decimal("-1")),
    bad("magistrate", magistrate="greffier"),
    bad("clerk", clerk="avocat1"),
    bad("clerk", clerk=STRUCTURAL, jurisdiction_code="tc-angers"),  # a court without a structural address
    bad("parties", lawyers={0: ["intervenant"]}),
    bad("parties", lawyers={0: ["avocat1"], 1: ["avocat1"]}),
    bad("parties", lawyers={5: ["avocat1"]}),
])
def test_a_designation_order_the_core_cannot_read_is_refused_beside_its_field(world, field, data):
    data = dict(data)  # (the parameter is shared)
    for key in ("magistrate", "clerk"):
        if data.get(key) not in (None, STRUCTURAL):
            data[key] = world[data[key]]
    if "lawyers" in data:
        data["lawyers"] = {index: [world[key] for key in keys] for index, keys in data["lawyers"].items()}
    before = world.outbox_size

    with pytest.raises(ExpertiseError) as refusal:
        world.case(**data)
    with pytest.raises(ExpertiseError):
        preview_case_name(world.platform, world.actor("expert"), CaseData(**{
            "jurisdiction_code": "tj-angers", "rg": "18/00001", "parties": list(PARTIES),
            "order_date": date(2018, 3, 15), **data}))

    assert refusal.value.field == field
    assert len(world.platform.root.expertises) == 0 and world.outbox_size == before
    assert len(world["expert"].expertise_ids) == 0 and len(world.platform.root.expertises.index.summaries) == 0


def test_an_exp_number_already_used_in_a_court_is_refused_there_only(world):
    world.case(exp="20/56")
    with pytest.raises(ExpertiseError, match="déjà celui d'une autre expertise") as refusal:
        world.case(exp="2020/0056", rg="20/00099")  # the same number, written otherwise
    assert refusal.value.field == "exp"
    other = world.case(jurisdiction_code="tj-laval", exp="20/56")  # another court's service numbers its own
    assert len(world.platform.root.expertises) == 2 and other.exp == "20/56"


def test_the_name_is_shown_before_saving_and_nothing_is_stored(world):
    data = CaseData(jurisdiction_code="tj-angers", rg="18/00001", parties=list(PARTIES))
    assert preview_case_name(world.platform, world.actor("expert"), data).startswith("Dupont c/ SARL Bâti Ouest")
    assert len(world.platform.root.expertises) == 0
    for key in ("avocat1", "admin", "greffier"):
        with pytest.raises(Refused):
            preview_case_name(world.platform, world.actor(key), data)


class RecordingTree:
    """A folder tree of a test's own: the core's channels and one folder per
    party, recording each time it is asked."""

    def __init__(self):
        self.asked = []

    @hookimpl
    def opalexe_folder_tree_define(self, jurisdiction, parties):
        self.asked.append(tuple(party.name for party in parties))
        return [FolderSpec("expert_greffe_parties", "expert→greffe-parties"),
                *[FolderSpec("partie", "Partie", party_index=index) for index in range(len(parties))],
                FolderSpec("notes_expert", "Notes de l'expert")]


def test_a_party_added_later_gets_its_folder_from_the_tree_asked_again(world, core_pm):
    tree = RecordingTree()
    core_pm.register(tree, name="recording-tree")
    case = world.case()
    assert [f.__name__ for f in case.folders.values()] == ["01-expert-greffe-parties", "02-partie", "03-partie",
                                                           "04-partie", "05-notes-expert"]

    party = add_party(world.platform, world.actor("expert"), case, name="  Assurances  Loire ", side="intervenant",
                      kind="morale")

    assert tree.asked[-1] == ("Dupont", "SARL Bâti Ouest", "Syndicat des copropriétaires de la résidence Les Tilleuls",
                              "Assurances Loire")
    assert [p.name for p in case.parties][-1] == "Assurances Loire" and party.side == "intervenant"
    added = case.folders["06-partie"]
    assert (added.kind, added.party_id, added.title) == ("partie", party.id, "Assurances Loire")
    [event] = world.events(PartyAdded)
    assert (event.party_id, event.folders, event.side) == (party.id, ("06-partie",), "intervenant")
    assert "assurances loire" in world.platform.root.expertises.index.summary(case.id).search_text


def test_adding_a_party_is_refused_to_others_twice_and_in_a_closed_case(world):
    case = world.case()
    before = world.outbox_size
    with pytest.raises(Refused):
        add_party(world.platform, world.actor("avocat1"), case, name="X", side="demandeur", kind="morale")
    with pytest.raises(ExpertiseError, match="déjà partie") as refusal:
        add_party(world.platform, world.actor("expert"), case, name="dupont", side="demandeur", kind="physique")
    assert refusal.value.field == "name"
    with pytest.raises(ExpertiseError):
        add_party(world.platform, world.actor("expert"), case, name="X", side="témoin", kind="morale")
    for status in ("en_cours", "terminee"):
        change_status(world.platform, world.actor("expert"), case, status)
    with pytest.raises(ExpertiseError, match="close"):
        add_party(world.platform, world.actor("expert"), case, name="X", side="demandeur", kind="morale")
    assert len(case.parties) == 3 and world.events(PartyAdded) == []
    assert world.outbox_size == before + 2  # the two status changes


def test_a_party_is_flagged_for_paper_service_and_the_flag_cleared(world):
    case = world.case()
    party = case.parties[2]
    set_paper_service(world.platform, world.actor("expert"), case, party.id, PaperReason.DEFAILLANTE, " absente  ")
    assert (party.paper_reason, party.paper_note, party.served_on_paper) == ("defaillante", "absente", True)
    set_paper_service(world.platform, world.actor("expert"), case, party.id, "refus")
    clear_paper_service(world.platform, world.actor("expert"), case, party.id, "accepte désormais")
    assert party.paper_reason is None
    reasons = [(e.party_id, e.reason) for e in world.events(PaperServiceSet)]
    assert reasons == [(party.id, "defaillante"), (party.id, "refus")]
    [cleared] = world.events(PaperServiceCleared)
    assert (cleared.party_id, cleared.note) == (party.id, "accepte désormais")


@VALIDATION_ONLY
@pytest.mark.parametrize(("who", "party", "reason", "error", "field"), [
    ("avocat1", 0, "refus", Refused, None),
    ("greffier", 0, "refus", Refused, None),
    ("expert", "forged", "refus", ExpertiseError, "party_id"),
    ("expert", 0, "distrait", ExpertiseError, "reason"),
    ("expert", 1, "refus", ExpertiseError, "reason"),  # already flagged for that reason
])
def test_paper_service_refusals(world, who, party, reason, error, field):
    case = world.case(lawyers={0: [world["avocat1"]]})
    set_paper_service(world.platform, world.actor("expert"), case, case.parties[1].id, "refus")
    before = world.outbox_size
    party_id = case.parties[party].id if party != "forged" else "0bad0bad"
    with pytest.raises(error) as refusal:
        set_paper_service(world.platform, world.actor(who), case, party_id, reason)
    assert refusal.value.field == field
    assert case.parties[0].paper_reason is None and world.outbox_size == before
    with pytest.raises(ExpertiseError):
        clear_paper_service(world.platform, world.actor("expert"), case, case.parties[0].id)  # not flagged


def test_the_lifecycle_is_recorded_and_an_archived_case_changes_no_more(world):
    case = world.case(lawyers={0: [world["avocat1"]]})
    expert = world.actor("expert")
    for status in ("en_cours", "terminee", "archivee"):
        change_status(world.platform, expert, case, status)
    assert [(s, who) for s, who, _when in case.status_history] == [
        ("creee", None), ("en_cours", world["expert"].id), ("terminee", world["expert"].id),
        ("archivee", world["expert"].id)]
    assert [(e.old, e.new) for e in world.events(StatusChanged)] == [
        (Status.CREEE, Status.EN_COURS), (Status.EN_COURS, Status.TERMINEE), (Status.TERMINEE, Status.ARCHIVEE)]
    assert world.platform.root.expertises.index.summary(case.id).status is Status.ARCHIVEE
    before = world.outbox_size

    attempts = [
        lambda: change_status(world.platform, expert, case, "en_cours"),
        lambda: set_paper_service(world.platform, expert, case, case.parties[0].id, "refus"),
        lambda: deactivate_participant(world.platform, expert, case, world["avocat1"].id),
        lambda: add_party(world.platform, expert, case, name="X", side="demandeur", kind="morale"),
    ]
    for attempt in attempts:
        with pytest.raises(ExpertiseError):
            attempt()
    assert world.outbox_size == before and case.participants[world["avocat1"].id].active


def test_only_the_expert_moves_a_case_forward(world):
    case = world.case(magistrate=world["magistrat"])
    from opalexe_core.services.participants import add_participant

    add_participant(world.platform, world.actor("expert"), case, world["coexpert"], Role.CO_EXPERT)
    for who in ("coexpert", "magistrat", "other_expert", "admin"):
        with pytest.raises(Refused):
            change_status(world.platform, world.actor(who), case, "en_cours")
    assert case.status == Status.CREEE
