"""Cases through their services, on FileStorage and on RelStorage/PostgreSQL:
each change checks the actor's right itself and emits one event."""

from datetime import date

import pytest

from opalexe_core.api import (
    AuthMethod,
    ExpertiseCreated,
    NamingError,
    ParticipantAdded,
    Role,
    Status,
    StatusChanged,
    hookimpl,
)
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.services.accounts import create_account
from opalexe_core.services.expertises import ExpertiseError, add_participant, change_status, create_expertise
from opalexe_core.services.platform import Actor, Refused
from opalexe_core.storage import initialize, open_db
from pytest_opalexe.web import open_platform

PARTIES = [("Dupont", "demandeur", "physique"), ("SARL Bâti Ouest", "defendeur", "morale"),
           ("Syndicat des copropriétaires de la résidence Les Tilleuls", "defendeur", "morale")]


class NeedsExp:
    """A naming rule of a test's own: refuses a case without n° EXP."""

    @hookimpl
    def opalexe_case_name_compute(self, facts):
        if not facts.exp:
            raise NamingError("Le n° EXP est obligatoire pour nommer l'expertise.", "exp")
        return f"{facts.demandeurs[0].name} / {facts.exp}"


@pytest.fixture
def pm():
    manager = make_plugin_manager(disabled=("naming_cncej",))
    manager.register(NeedsExp(), name="needs-exp")
    return manager


@pytest.fixture
def db(storage, pm):
    database = open_db(storage.uri)
    initialize(database, pm)
    yield database
    database.close()


def people(platform):
    operator = Actor.platform()
    made = {}
    for key, first, last, profile in (("expert", "Jean", "Martin", "expert"), ("other", "Claire", "Bernard", "expert"),
                                      ("lawyer", "Sophie", "Moreau", "avocat"),
                                      ("admin", "Alice", "Admin", "administrateur")):
        made[key] = create_account(platform, operator, first_name=first, last_name=last,
                                   email=f"{key}@example.test", profile=profile, is_admin=key == "admin")
    return made


def acting(account):
    return Actor(account, AuthMethod.DEMO, "192.0.2.1")


def new_case(platform, actor, **overrides):
    data = dict(jurisdiction_code="tj-angers", rg="18/00001", exp="18/00001", parties=PARTIES,
                order_date=date(2018, 3, 15))
    data.update(overrides)
    return create_expertise(platform, actor, **data)


def events(platform, kind):
    outbox = platform.root.outbox
    return [outbox.get(key).event for key in outbox.keys() if isinstance(outbox.get(key).event, kind)]


def test_an_expertise_with_its_folders_and_participants_survives_a_reopen(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        expertise = new_case(platform, acting(who["expert"]))
        add_participant(platform, acting(who["expert"]), expertise, who["lawyer"], Role.AVOCAT,
                        expertise.first("defendeur").id)
        change_status(platform, acting(who["expert"]), expertise, "en_cours")
        platform.transaction.commit()
        case_id, expert_id, lawyer_id = expertise.id, who["expert"].id, who["lawyer"].id

    with open_platform(db, pm) as platform:
        stored = platform.root.expertises[case_id]
        assert stored.name == "Dupont / 18/00001"  # the test's rule
        assert (stored.rg, stored.exp, stored.status) == ("18/00001", "18/00001", Status.EN_COURS)
        assert [s for s, _, _ in stored.status_history] == ["creee", "en_cours"]
        assert stored.status_history[1][1] == expert_id
        titles = [folder.title for folder in stored.folders.values()]
        assert titles[:3] == ["expert→greffe-parties", "greffe→expert-parties", "magistrat→expert"]
        assert titles[3:6] == ["Dupont", "SARL Bâti Ouest", "Syndicat des copropriétaires de la résidence Les Tilleuls"]
        assert [f.title for f in stored.folders["09-greffe"].values()] == ["Rapport définitif"]
        assert stored.participants[expert_id].role is Role.EXPERT
        assert stored.participants[lawyer_id].party_id == stored.first("defendeur").id
        assert case_id in platform.root.accounts[lawyer_id].expertise_ids
        assert len({party.id for party in stored.parties}) == 3
        [created], [added], [moved] = (events(platform, kind) for kind in
                                       (ExpertiseCreated, ParticipantAdded, StatusChanged))
        assert (created.expertise_id, created.actor.account_id, created.actor.client_address) == (
            case_id, expert_id, "192.0.2.1")
        assert (added.account_id, added.role, added.party_id) == (lawyer_id, Role.AVOCAT,
                                                                  stored.first("defendeur").id)
        assert (moved.old, moved.new) == (Status.CREEE, Status.EN_COURS)


def test_a_naming_error_stores_nothing_and_names_its_field(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        platform.transaction.commit()
        with pytest.raises(NamingError) as error:
            new_case(platform, acting(who["expert"]), exp="")
        assert (error.value.field, "EXP" in error.value.message) == ("exp", True)
        assert len(platform.root.expertises) == 0 and len(who["expert"].expertise_ids) == 0
        assert events(platform, ExpertiseCreated) == []


def test_an_unknown_court_or_a_skipped_status_is_refused(db, pm):
    with open_platform(db, pm) as platform:
        expert = acting(people(platform)["expert"])
        with pytest.raises(ExpertiseError, match="Juridiction inconnue"):
            new_case(platform, expert, jurisdiction_code="tj-atlantide")
        expertise = new_case(platform, expert)
        with pytest.raises(ExpertiseError, match="Passage impossible"):
            change_status(platform, expert, expertise, "terminee")
        with pytest.raises(ExpertiseError, match="Statut inconnu"):
            change_status(platform, expert, expertise, "bientot")
        assert expertise.status == "creee" and events(platform, StatusChanged) == []


def test_each_service_refuses_an_actor_without_the_right_whatever_the_view_did(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        expertise = new_case(platform, acting(who["expert"]))
        add_participant(platform, acting(who["expert"]), expertise, who["lawyer"], Role.AVOCAT,
                        expertise.parties[0].id)
        before = len(platform.root.outbox)

        refusals = [
            lambda: new_case(platform, acting(who["lawyer"])),  # only an expert creates a case
            lambda: new_case(platform, acting(who["admin"])),  # the administrator creates no case
            lambda: new_case(platform, Actor.anonymous("192.0.2.9")),
            lambda: add_participant(platform, acting(who["lawyer"]), expertise, who["other"], Role.CO_EXPERT),
            lambda: add_participant(platform, acting(who["other"]), expertise, who["other"], Role.CO_EXPERT),
            lambda: add_participant(platform, acting(who["admin"]), expertise, who["other"], Role.CO_EXPERT),
            lambda: change_status(platform, acting(who["lawyer"]), expertise, "en_cours"),
            lambda: change_status(platform, acting(who["other"]), expertise, "en_cours"),
        ]
        for attempt in refusals:
            with pytest.raises(Refused):
                attempt()

        assert len(platform.root.expertises) == 1 and expertise.status == "creee"
        assert who["other"].id not in expertise.participants
        assert len(platform.root.outbox) == before  # no event for a refusal


def test_a_co_expert_adds_participants_but_only_the_expert_moves_the_case_forward(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        expert, co_expert = acting(who["expert"]), acting(who["other"])
        expertise = new_case(platform, expert)
        add_participant(platform, expert, expertise, who["other"], Role.CO_EXPERT)
        add_participant(platform, co_expert, expertise, who["lawyer"], Role.AVOCAT, expertise.parties[1].id)
        with pytest.raises(Refused, match="Seul l'expert"):
            change_status(platform, co_expert, expertise, "en_cours")
        change_status(platform, expert, expertise, "en_cours")
        assert expertise.status == Status.EN_COURS


def test_a_lawyer_must_belong_to_a_party(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        expertise = new_case(platform, acting(who["expert"]))
        with pytest.raises(ExpertiseError) as error:
            add_participant(platform, acting(who["expert"]), expertise, who["lawyer"], Role.AVOCAT, party_id="nope")
        assert error.value.field == "party_id" and who["lawyer"].id not in expertise.participants


def test_participants_keep_their_place_and_play_only_roles_their_profile_allows(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        expert = acting(who["expert"])
        expertise = new_case(platform, expert)
        party = expertise.parties[0].id
        add_participant(platform, expert, expertise, who["lawyer"], Role.AVOCAT, party_id=party)
        lawyer_since = expertise.participants[who["lawyer"].id].added_at
        expertise.participants[who["lawyer"].id].active = False  # the expert set it « inactif »

        refusals = [
            ((who["lawyer"], Role.AVOCAT, party), "participe déjà"),  # no silent reactivation: its past stays
            ((who["expert"], Role.CO_EXPERT, None), "participe déjà"),  # nor a new role for the expert
            ((who["other"], Role.EXPERT, None), "a déjà son expert"),
            ((who["lawyer"], Role.MAGISTRAT, None), "participe déjà"),
            ((who["admin"], Role.EXPERT, None), "ne lui permet pas ce rôle"),
            ((who["other"], Role.AVOCAT, party), "ne lui permet pas ce rôle"),
        ]
        for (account, role, party_id), message in refusals:
            with pytest.raises(ExpertiseError, match=message):
                add_participant(platform, expert, expertise, account, role, party_id=party_id)

        assert expertise.participants[who["lawyer"].id].active is False
        assert expertise.participants[who["lawyer"].id].added_at == lawyer_since
        assert [p.account_id for p in expertise.participants_by_role(Role.EXPERT)] == [who["expert"].id]
        assert who["admin"].id not in expertise.participants and expertise.id not in who["admin"].expertise_ids
        add_participant(platform, expert, expertise, who["other"], Role.CO_EXPERT)  # what it may be


def test_a_closed_case_takes_no_new_participant(db, pm):
    with open_platform(db, pm) as platform:
        who = people(platform)
        expert = acting(who["expert"])
        expertise = new_case(platform, expert)
        for status in ("en_cours", "terminee"):
            change_status(platform, expert, expertise, status)
        with pytest.raises(ExpertiseError, match="close"):
            add_participant(platform, expert, expertise, who["other"], Role.CO_EXPERT)
        assert who["other"].id not in expertise.participants
