"""Inviting a participant by e-mail: one event, an account made when none
holds the address, every refusal changing nothing; and where an invited
participant lands after logging in."""

import pytest

from opalexe_core.api import AuthMethod, ParticipantAdded, ParticipantInvited, Profile, Role, UserError, hookimpl
from opalexe_core.services.accounts import create_account
from opalexe_core.services.demo import demo_email
from opalexe_core.services.invitations import invite_participant, landing_expertise
from opalexe_core.services.platform import Actor, Refused
from pytest_opalexe.web import file_storage_uri, platform_of, running_app, test_settings


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def app(tmp_path, events):
    with running_app(test_settings(file_storage_uri(tmp_path)), plugins={"events": events}) as application:
        yield application


def case_and_expert(platform, court="tj-angers"):
    case = next(e for e in platform.root.expertises.values() if e.jurisdiction_code == court)
    return case, Actor(platform.root.accounts.find_by_email(demo_email("expert")), AuthMethod.DEMO)


def test_an_unknown_address_gets_an_account_and_joins_the_case(app, events):
    with platform_of(app) as platform:
        case, expert = case_and_expert(platform)
        participant = invite_participant(platform, expert, case, email=" Camille.Roche@Example.test ",
                                         first_name="Camille", last_name="Roche", role="intervenant",
                                         party_id=case.parties[0].id)
        platform.transaction.commit()
        account = platform.root.accounts.find_by_email("camille.roche@example.test")
        assert account.profile == Profile.INTERVENANT and case.active_participant(account.id) is participant
        assert participant.invited_by == expert.account_id and participant.invited_at is not None
    [event] = [e for e in events.seen if isinstance(e, ParticipantAdded)]
    assert isinstance(event, ParticipantInvited) and event.kind == "participant.invited"
    assert (event.email, event.account_created, event.role, event.party_name, event.invited_by) == (
        "camille.roche@example.test", True, Role.INTERVENANT, "Dupont", "Jean MARTIN")
    assert "Les Tilleuls" in event.expertise_name


def test_an_existing_account_joins_without_a_new_account(app, events):
    with platform_of(app) as platform:
        case, expert = case_and_expert(platform, "tj-laval")
        create_account(platform, Actor.platform(), first_name="Inès", last_name="Vidal", email="ines@example.test",
                       profile=Profile.INTERVENANT)
        count = len(platform.root.accounts)
        invite_participant(platform, expert, case, email="INES@example.test", first_name="X", last_name="Y",
                           role="sapiteur")
        platform.transaction.commit()
        assert len(platform.root.accounts) == count
    [event] = [e for e in events.seen if isinstance(e, ParticipantInvited)]
    assert event.account_created is False and (event.first_name, event.role) == ("Inès", Role.SAPITEUR)


@pytest.mark.parametrize(("fields", "error", "field"), [
    ({"email": "pas-une-adresse"}, "Adresse électronique invalide", "email"),
    ({"role": "expert"}, "ne s'attribue pas par invitation", "role"),
    ({"role": "chef"}, "Rôle inconnu", "role"),
    ({"role": "avocat", "email": "inconnu@avocats.test"}, "s'inscrit à sa première connexion", "email"),
    ({"party_id": None}, "rattaché à une partie", "party_id"),
    ({"email": demo_email("avocat1"), "role": "intervenant"}, "participe déjà", None),
    ({"email": demo_email("magistrat"), "role": "co_expert"}, "participe déjà", None),
    ({"first_name": "   "}, "Invitation refusée", None),
])
def test_refusals_change_nothing(app, events, fields, error, field):
    with platform_of(app) as platform:
        case, expert = case_and_expert(platform)
        accounts, participants = len(platform.root.accounts), len(case.participants)
        values = {"email": "nouveau@example.test", "first_name": "Léa", "last_name": "Morin",
                  "role": "intervenant", "party_id": case.parties[0].id, **fields}
        with pytest.raises(UserError, match=error) as refused:
            invite_participant(platform, expert, case, **values)
        assert refused.value.field == field
        # nothing left behind in the transaction either: not the new account
        assert len(platform.root.accounts) == accounts and len(case.participants) == participants
        assert platform.root.accounts.find_by_email("nouveau@example.test") is None
    assert not [e for e in events.seen if isinstance(e, ParticipantAdded)]


def test_only_the_expert_and_co_experts_invite(app):
    with platform_of(app) as platform:
        case, _expert = case_and_expert(platform)
        lawyer = Actor(platform.root.accounts.find_by_email(demo_email("avocat1")), AuthMethod.DEMO)
        with pytest.raises(Refused):
            invite_participant(platform, lawyer, case, email="x@example.test", first_name="A", last_name="B",
                               role="intervenant", party_id=case.parties[0].id)


def test_a_closed_case_takes_no_invitation(app):
    with platform_of(app) as platform:
        case, expert = case_and_expert(platform, "tj-saumur")
        with pytest.raises(UserError, match="close"):
            invite_participant(platform, expert, case, email="x@example.test", first_name="A", last_name="B",
                               role="sapiteur")
        assert platform.root.accounts.find_by_email("x@example.test") is None


def test_the_landing_is_the_last_active_invitation(app):
    with platform_of(app) as platform:
        angers, expert = case_and_expert(platform)
        laval, _ = case_and_expert(platform, "tj-laval")
        invite_participant(platform, expert, angers, email="lea@example.test", first_name="Léa", last_name="Morin",
                           role="sapiteur")
        account = platform.root.accounts.find_by_email("lea@example.test")
        assert landing_expertise(platform.root, account) is angers
        invite_participant(platform, expert, laval, email="lea@example.test", first_name="Léa", last_name="Morin",
                           role="sapiteur")
        assert landing_expertise(platform.root, account) is laval
        laval.participants[account.id].active = False  # « inactif »: no more access there
        assert landing_expertise(platform.root, account) is angers
        never_invited = platform.root.accounts.find_by_email(demo_email("avocat1"))
        assert landing_expertise(platform.root, never_invited) is None
