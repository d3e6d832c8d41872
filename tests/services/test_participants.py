"""Participants: added by role, set « inactif » and back, an insurer's
expert refused when a party objects, and court staff replaced on every
running case of a court in one action."""

import pytest

from opalexe_core.api import (
    IntervenantCapacity,
    ObjectionRecorded,
    ParticipantAdded,
    ParticipantDeactivated,
    ParticipantReactivated,
    Role,
    StaffReplaced,
)
from opalexe_core.security import principals_for
from opalexe_core.services.accounts import disable_account
from opalexe_core.services.expertises import ExpertiseError, change_status
from opalexe_core.services.participants import (
    add_participant,
    deactivate_participant,
    reactivate_participant,
    record_objection,
    replace_court_staff,
)
from opalexe_core.services.platform import Actor, Refused


def test_participants_are_added_by_role_several_lawyers_for_one_party(world):
    case = world.case()
    expert = world.actor("expert")
    demandeur = case.parties[0].id
    add_participant(world.platform, expert, case, world["coexpert"], Role.CO_EXPERT)
    add_participant(world.platform, expert, case, world["other_expert"], "sapiteur")
    add_participant(world.platform, expert, case, world["avocat1"], Role.AVOCAT, demandeur)
    add_participant(world.platform, expert, case, world["avocat2"], Role.AVOCAT, demandeur)  # same cabinet or not
    add_participant(world.platform, expert, case, world["intervenant"], Role.INTERVENANT, demandeur,
                    IntervenantCapacity.PARTIE)
    assert [p.account_id for p in case.participants.values() if p.party_id == demandeur] != []
    lawyers = {p.account_id for p in case.participants_by_role(Role.AVOCAT)}
    assert lawyers == {world["avocat1"].id, world["avocat2"].id}
    assert case.participants[world["intervenant"].id].capacity == "partie"
    assert case.participants[world["other_expert"].id].party_id is None
    assert [(e.account_id, e.role) for e in world.events(ParticipantAdded)][-1] == (world["intervenant"].id,
                                                                                   Role.INTERVENANT)
    assert world.platform.root.expertises.index.summary(case.id).role_of(world["avocat2"].id) is Role.AVOCAT


@pytest.mark.parametrize(("role", "party", "capacity", "field"), [
    ("juge", None, None, "role"),
    ("avocat", None, None, "party_id"),
    ("avocat", "0bad0bad", None, "party_id"),
    ("intervenant", 0, "cousin", "capacity"),
])
def test_a_forged_role_party_or_capacity_is_refused_beside_its_field(world, role, party, capacity, field):
    case = world.case()
    account = world["intervenant"] if role == "intervenant" else world["avocat1"]
    party_id = case.parties[party].id if party == 0 else party
    before = world.outbox_size
    with pytest.raises(ExpertiseError) as refusal:
        add_participant(world.platform, world.actor("expert"), case, account, role, party_id, capacity)
    assert refusal.value.field == field
    assert account.id not in case.participants and world.outbox_size == before


def test_a_participant_set_inactive_opens_nothing_but_its_history_stays(world):
    case = world.case(lawyers={0: [world["avocat1"]]})
    avocat = world["avocat1"]
    assert "expertise:avocat" in principals_for(avocat, case)

    deactivate_participant(world.platform, world.actor("expert"), case, avocat.id, "  clé RPVA compromise ")

    participant = case.participants[avocat.id]
    assert participant.active is False and participant.changes[-1][3] == "clé RPVA compromise"
    assert "expertise:avocat" not in principals_for(avocat, case)
    assert f"expertise:member:{avocat.id}" not in principals_for(avocat, case)
    assert case.id in avocat.expertise_ids  # its past part stays
    index = world.platform.root.expertises.index
    assert index.summary(case.id).role_of(avocat.id) is None and index.cases_of(avocat) == []
    [event] = world.events(ParticipantDeactivated)
    assert (event.account_id, event.role, event.reason) == (avocat.id, Role.AVOCAT, "clé RPVA compromise")

    reactivate_participant(world.platform, world.actor("expert"), case, avocat.id)
    assert participant.active and [change[0] for change in participant.changes] == [False, True]
    assert [e.account_id for e in world.events(ParticipantReactivated)] == [avocat.id]
    assert [s.id for s in index.cases_of(avocat)] == [case.id]


def test_deactivation_and_reactivation_refusals(world):
    case = world.case(lawyers={0: [world["avocat1"]]})
    expert = world.actor("expert")
    add_participant(world.platform, expert, case, world["coexpert"], Role.CO_EXPERT)
    before = world.outbox_size
    refusals = [
        (lambda: deactivate_participant(world.platform, world.actor("avocat1"), case, world["coexpert"].id), Refused),
        (lambda: deactivate_participant(world.platform, world.actor("other_expert"), case, world["avocat1"].id),
         Refused),
        (lambda: deactivate_participant(world.platform, world.actor("coexpert"), case, world["expert"].id),
         ExpertiseError),  # the expert stays
        (lambda: deactivate_participant(world.platform, world.actor("coexpert"), case, world["coexpert"].id),
         ExpertiseError),  # not oneself
        (lambda: deactivate_participant(world.platform, expert, case, world["avocat2"].id), ExpertiseError),
        (lambda: reactivate_participant(world.platform, expert, case, world["avocat1"].id), ExpertiseError),
    ]
    for attempt, error in refusals:
        with pytest.raises(error):
            attempt()
    assert world.outbox_size == before
    deactivate_participant(world.platform, expert, case, world["avocat1"].id)
    with pytest.raises(ExpertiseError, match="déjà inactif"):
        deactivate_participant(world.platform, expert, case, world["avocat1"].id)
    disable_account(world.platform, Actor.platform(), world["avocat1"], "départ")
    with pytest.raises(ExpertiseError, match="désactivé sur la plateforme"):
        reactivate_participant(world.platform, expert, case, world["avocat1"].id)


def test_an_insurer_s_expert_is_admitted_only_if_no_party_objects(world):
    case = world.case()
    expert = world.actor("expert")
    dupont, bati, sdc = (party.id for party in case.parties)
    assureur = world["assureur"]
    add_participant(world.platform, expert, case, assureur, Role.INTERVENANT, bati, IntervenantCapacity.ASSUREUR)

    with pytest.raises(ExpertiseError, match="son propre assureur"):
        record_objection(world.platform, expert, case, party_id=bati, account=assureur)
    assert record_objection(world.platform, expert, case, party_id=dupont, account=assureur,
                            reason="Partie non assistée") is True

    assert case.participants[assureur.id].active is False
    [event] = world.events(ObjectionRecorded)
    assert (event.party_id, event.account_id, event.deactivated) == (dupont, assureur.id, True)
    with pytest.raises(ExpertiseError, match="déjà enregistrée"):
        record_objection(world.platform, expert, case, party_id=dupont, account=assureur)
    with pytest.raises(ExpertiseError, match="s'est opposée"):
        reactivate_participant(world.platform, expert, case, assureur.id)
    assert record_objection(world.platform, expert, case, party_id=sdc, account=assureur) is False


def test_an_objection_recorded_before_keeps_the_insurer_s_expert_out(world):
    case = world.case()
    expert = world.actor("expert")
    record_objection(world.platform, expert, case, party_id=case.parties[0].id, account=world["assureur"])
    with pytest.raises(ExpertiseError, match="s'est opposée") as refusal:
        add_participant(world.platform, expert, case, world["assureur"], Role.INTERVENANT, case.parties[1].id,
                        IntervenantCapacity.ASSUREUR)
    assert refusal.value.field == "account_id" and world["assureur"].id not in case.participants
    # the same person as the party's technical adviser is another matter: the objection is to an insurer's expert
    add_participant(world.platform, expert, case, world["assureur"], Role.INTERVENANT, case.parties[1].id,
                    IntervenantCapacity.CONSEIL)
    with pytest.raises(Refused):
        record_objection(world.platform, world.actor("avocat1"), case, party_id=case.parties[0].id,
                         account=world["assureur"])


def test_a_clerk_is_replaced_on_every_running_case_of_its_court_in_one_action(world):
    expert = world.actor("expert")
    running = [world.case(rg=f"18/0000{n}", exp=f"18/{n}", clerk=world["greffier"]) for n in (1, 2)]
    closed = world.case(rg="18/00003", exp="18/3", clerk=world["greffier"])
    for status in ("en_cours", "terminee"):
        change_status(world.platform, expert, closed, status)
    elsewhere = world.case(jurisdiction_code="tj-laval", rg="18/00004", exp="18/4", clerk=world["greffier"])
    court = world.platform.root.jurisdictions["tj-angers"]

    changed = replace_court_staff(world.platform, world.actor("greffier2"), court, role="greffier",
                                  old=world["greffier"], new=world["greffier2"])

    assert sorted(changed) == sorted(case.id for case in running)
    for case in running:
        assert case.participants[world["greffier"].id].active is False
        assert case.participants[world["greffier2"].id].active and case.clerk_contact == "Anne COLIN"
    for case in (closed, elsewhere):
        assert case.participants[world["greffier"].id].active and world["greffier2"].id not in case.participants
    [event] = world.events(StaffReplaced)
    assert (event.jurisdiction_code, event.role, sorted(event.expertise_ids)) == (
        "tj-angers", Role.GREFFIER, sorted(changed))
    index = world.platform.root.expertises.index
    assert {s.id for s in index.cases_of(world["greffier2"])} == set(changed)


@pytest.mark.parametrize(("who", "role", "old", "new", "error", "field"), [
    ("avocat1", "greffier", "greffier", "greffier2", Refused, None),
    ("expert", "greffier", "greffier", "greffier2", Refused, None),
    ("admin", "greffier", "greffier", "greffier2", Refused, None),
    ("magistrat", "avocat", "greffier", "greffier2", ExpertiseError, "role"),
    ("magistrat", "greffier", "greffier", "magistrat2", ExpertiseError, "new"),
    ("magistrat", "greffier", "greffier", "greffier", ExpertiseError, "new"),
    ("magistrat", "greffier", "greffier2", "greffier", ExpertiseError, "old"),  # serves no running case
])
def test_staff_replacement_refusals(world, who, role, old, new, error, field):
    case = world.case(clerk=world["greffier"])
    court = world.platform.root.jurisdictions["tj-angers"]
    before = world.outbox_size
    with pytest.raises(error) as refusal:
        replace_court_staff(world.platform, world.actor(who), court, role=role, old=world[old], new=world[new])
    assert refusal.value.field == field and world.outbox_size == before
    assert case.participants[world["greffier"].id].active


def test_the_staff_of_another_court_replaces_nobody_here(world):
    world.case(clerk=world["greffier"])
    laval = world.platform.root.jurisdictions["tj-laval"]
    with pytest.raises(Refused):  # the clerks of the TJ Angers are not Laval's
        replace_court_staff(world.platform, world.actor("greffier2"), laval, role="greffier",
                            old=world["greffier"], new=world["greffier2"])
