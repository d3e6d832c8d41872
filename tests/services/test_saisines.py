"""Designations (« saisines »): a court's clerk designates an expert, who
accepts (the case is created from it) or declines with a reason."""

from datetime import date
from types import SimpleNamespace

import pytest

from opalexe_core.api import ExpertiseCreated, Role, SaisineAccepted, SaisineClaimed, SaisineDeclined, SaisineSent
from opalexe_core.services.expertises import STRUCTURAL, CaseData, ExpertiseError
from opalexe_core.services.platform import Refused
from opalexe_core.services.saisines import (
    accept_saisine,
    case_of,
    claim_saisine,
    decline_saisine,
    invitation_token,
    send_saisine,
)

SECRET = "test-secret-" + "y" * 32


@pytest.fixture
def court(world):
    world.platform.settings = SimpleNamespace(session_secret=SECRET)
    return world.platform.root.jurisdictions["tj-angers"]


def designation(**overrides):
    data = dict(jurisdiction_code="", rg="20/01234", exp="20/56",
                parties=[("Dupont", "demandeur", "physique"), ("SARL Bâti Ouest", "defendeur", "morale")],
                order_date=date(2020, 5, 4), mission="Examiner la toiture.", report_due=date(2021, 5, 4))
    data.update(overrides)
    return CaseData(**data)


def test_a_registered_expert_accepts_and_the_case_is_created_pre_filled(world, court):
    saisine = send_saisine(world.platform, world.actor("greffier"), court, expert_email=" Expert@Example.test ",
                           data=designation(magistrate=world["magistrat"]))
    assert (saisine.expert_account_id, saisine.expert_email) == (world["expert"].id, "expert@example.test")
    [sent] = world.events(SaisineSent)
    assert (sent.invitation, sent.expert_account_id, sent.jurisdiction_code) == (False, world["expert"].id,
                                                                                 "tj-angers")
    assert [s.id for s in world.platform.root.saisines.of_expert(world["expert"].id)] == [saisine.id]

    data = case_of(saisine, world.platform.root.accounts)
    data.mission += " Chiffrer les travaux."  # the expert may complete it
    case = accept_saisine(world.platform, world.actor("expert"), saisine, data)

    assert (saisine.status, saisine.expertise_id, case.saisine_id) == ("acceptee", case.id, saisine.id)
    assert (case.jurisdiction_code, case.rg, case.exp, case.order_date) == ("tj-angers", "20/01234", "20/56",
                                                                           date(2020, 5, 4))
    assert case.mission == "Examiner la toiture. Chiffrer les travaux."
    roles = {p.account_id: p.role for p in case.participants.values()}
    assert roles == {world["expert"].id: Role.EXPERT, world["greffier"].id: Role.GREFFIER,
                     world["magistrat"].id: Role.MAGISTRAT}
    [accepted] = world.events(SaisineAccepted)
    assert isinstance(accepted, ExpertiseCreated) and (accepted.saisine_id, accepted.expertise_id) == (saisine.id,
                                                                                                      case.id)
    assert len(world.events(ExpertiseCreated)) == 1  # one change, one event
    with pytest.raises(Refused):  # answered: the expert reads it, answers no more
        decline_saisine(world.platform, world.actor("expert"), saisine, "Trop tard")


def test_an_expert_declines_with_a_reason_the_clerk_reads(world, court):
    saisine = send_saisine(world.platform, world.actor("greffier"), court, expert_email="expert@example.test",
                           data=designation(magistrate=STRUCTURAL))
    with pytest.raises(ExpertiseError) as refusal:
        decline_saisine(world.platform, world.actor("expert"), saisine, "   ")
    assert refusal.value.field == "reason" and saisine.pending
    decline_saisine(world.platform, world.actor("expert"), saisine, "Conflit d'intérêts avec une partie.")
    assert (saisine.status, saisine.decline_reason) == ("refusee", "Conflit d'intérêts avec une partie.")
    assert [e.reason for e in world.events(SaisineDeclined)] == ["Conflit d'intérêts avec une partie."]
    assert len(world.platform.root.expertises) == 0
    clerk = world.platform.authorizer
    assert clerk.permits(world["greffier"], saisine, "view") and clerk.permits(world["greffier2"], saisine, "view")
    assert not clerk.permits(world["other_expert"], saisine, "view")


def test_an_unregistered_expert_is_invited_and_receives_it_with_the_link_s_token(world, court):
    saisine = send_saisine(world.platform, world.actor("greffier"), court, expert_email="nouvel.expert@example.test",
                           data=designation())
    assert saisine.expert_account_id is None
    [sent] = world.events(SaisineSent)
    assert (sent.invitation, sent.expert_email) == (True, "nouvel.expert@example.test")
    assert invitation_token(SECRET, saisine.id) not in repr(sent)  # the token is in no event
    newcomer = world["other_expert"]  # registered since, with another address

    for token in ("", "0" * 64, invitation_token("another-secret", saisine.id)):
        with pytest.raises(Exception, match="pas valide"):
            claim_saisine(world.platform, world.actor("other_expert"), saisine, token)
    with pytest.raises(Refused):  # only an expert receives a designation
        claim_saisine(world.platform, world.actor("avocat1"), saisine, invitation_token(SECRET, saisine.id))
    assert world.events(SaisineClaimed) == []

    claim_saisine(world.platform, world.actor("other_expert"), saisine, invitation_token(SECRET, saisine.id))
    assert saisine.expert_account_id == newcomer.id
    assert [e.account_id for e in world.events(SaisineClaimed)] == [newcomer.id]
    with pytest.raises(Exception, match="pas valide"):  # once
        claim_saisine(world.platform, world.actor("coexpert"), saisine, invitation_token(SECRET, saisine.id))
    case = accept_saisine(world.platform, world.actor("other_expert"), saisine,
                          case_of(saisine, world.platform.root.accounts))
    assert case.participants[newcomer.id].role is Role.EXPERT


@pytest.mark.parametrize(("who", "email", "overrides", "error", "field"), [
    ("avocat1", "expert@example.test", {}, Refused, None),
    ("expert", "expert@example.test", {}, Refused, None),
    ("admin", "expert@example.test", {}, Refused, None),
    ("greffier", "avocat1@example.test", {}, ExpertiseError, "expert_email"),  # not an expert
    ("greffier", "pas-une-adresse", {}, ExpertiseError, "expert_email"),
    ("greffier", "expert@example.test", {"rg": "vingt"}, ExpertiseError, "rg"),
    ("greffier", "expert@example.test", {"parties": [("Dupont", "demandeur", "physique")]}, ExpertiseError,
     "defendeurs"),
])
def test_sending_refusals(world, court, who, email, overrides, error, field):
    before = world.outbox_size
    with pytest.raises(error) as refusal:
        send_saisine(world.platform, world.actor(who), court, expert_email=email, data=designation(**overrides))
    assert refusal.value.field == field and world.outbox_size == before and len(world.platform.root.saisines) == 0


def test_a_clerk_sends_in_its_own_court_s_name_only(world):
    laval = world.platform.root.jurisdictions["tj-laval"]
    with pytest.raises(Refused):
        send_saisine(world.platform, world.actor("greffier"), laval, expert_email="expert@example.test",
                     data=designation())


def test_only_the_expert_designated_answers(world, court):
    saisine = send_saisine(world.platform, world.actor("greffier"), court, expert_email="expert@example.test",
                           data=designation())
    for who in ("coexpert", "greffier", "avocat1"):
        with pytest.raises(Refused):
            accept_saisine(world.platform, world.actor(who), saisine, case_of(saisine, world.platform.root.accounts))
        with pytest.raises(Refused):
            decline_saisine(world.platform, world.actor(who), saisine, "Non")
    assert saisine.pending and len(world.platform.root.expertises) == 0
