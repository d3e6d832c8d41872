"""The object graph behaves the same on FileStorage and on RelStorage/PostgreSQL."""

import contextlib
from datetime import date

import pytest

from opalexe_core.contract import NamingError, Role
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources import Account, Container
from opalexe_core.services.expertises import ExpertiseError, add_participant, change_status, create_expertise
from opalexe_core.storage import initialize, open_db
from opalexe_core.storage import opened as storage_opened


@pytest.fixture
def db(storage):
    database = open_db(storage.uri)
    initialize(database, make_plugin_manager())
    yield database
    database.close()


@contextlib.contextmanager
def opened(db):
    """A connection of its own on the Opalexe root; uncommitted work is aborted."""
    with storage_opened(db) as (zodb_root, manager):
        yield manager, zodb_root["opalexe"]


def _new_case(root, pm, expert, **overrides):
    data = dict(
        expert=expert,
        jurisdiction_code="tj-angers",
        rg="18/00001",
        exp="18/00001",
        parties=[("Dupont", "demandeur", "physique"), ("SARL Bâti Ouest", "defendeur", "morale"),
                 ("Syndicat des copropriétaires de la résidence Les Tilleuls", "defendeur", "morale")],
        order_date=date(2018, 3, 15),
    )
    data.update(overrides)
    return create_expertise(root, pm, **data)


def test_an_expertise_with_its_folders_and_participants_survives_a_reopen(db, storage):
    pm = make_plugin_manager()
    with opened(db) as (manager, root):
        expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
        lawyer = root.accounts.add_account(Account("Sophie", "Moreau", "sophie@example.test", "avocat"))
        expertise = _new_case(root, pm, expert)
        add_participant(root, expertise, lawyer, Role.AVOCAT, expertise.first("defendeur").id)
        change_status(expertise, "en_cours", actor_id=expert.id, pm=pm)
        manager.commit()
        case_id = expertise.id

    with opened(db) as (manager, root):
        stored = root.expertises[case_id]
        assert stored.name == "Dupont-Bâti Ouest-TJ Angers-RG18-1-Martin-EXP18-1"
        assert (stored.rg, stored.exp, stored.status) == ("RG18-1", "EXP18-1", "en_cours")
        assert [s for s, _, _ in stored.status_history] == ["creee", "en_cours"]
        titles = [folder.title for folder in stored.folders.values()]
        assert titles[:3] == ["expert→greffe-parties", "greffe→expert-parties", "magistrat→expert"]
        assert titles[3:6] == ["Dupont", "SARL Bâti Ouest", "Syndicat des copropriétaires de la résidence Les Tilleuls"]
        assert [f.title for f in stored.folders["09-greffe"].values()] == ["Rapport définitif"]
        assert stored.participants[expert.id].role is Role.EXPERT
        assert stored.participants[lawyer.id].party_id == stored.first("defendeur").id
        assert case_id in root.accounts[lawyer.id].expertise_ids
        assert stored.folders.__parent__ is stored and stored["dossiers"] is stored.folders


def test_a_naming_error_stores_nothing(db):
    pm = make_plugin_manager()
    with opened(db) as (manager, root):
        expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
        manager.commit()
        with pytest.raises(NamingError) as error:
            _new_case(root, pm, expert, exp="")
        assert "EXP" in error.value.message
        manager.commit()
        assert len(root.expertises) == 0
        assert len(root.accounts[expert.id].expertise_ids) == 0


def test_an_unknown_court_or_a_skipped_status_is_refused(db):
    pm = make_plugin_manager()
    with opened(db) as (manager, root):
        expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
        with pytest.raises(ExpertiseError, match="Juridiction inconnue"):
            _new_case(root, pm, expert, jurisdiction_code="tj-atlantide")
        expertise = _new_case(root, pm, expert)
        with pytest.raises(ExpertiseError, match="Passage impossible"):
            change_status(expertise, "terminee", actor_id=expert.id, pm=pm)
        assert expertise.status == "creee"


def test_a_lawyer_must_belong_to_a_party(db):
    pm = make_plugin_manager()
    with opened(db) as (manager, root):
        expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
        lawyer = root.accounts.add_account(Account("Sophie", "Moreau", "sophie@example.test", "avocat"))
        expertise = _new_case(root, pm, expert)
        with pytest.raises(ExpertiseError):
            add_participant(root, expertise, lawyer, Role.AVOCAT, party_id="nope")
        assert lawyer.id not in expertise.participants


def test_participants_keep_their_place_and_play_only_roles_their_profile_allows(db):
    pm = make_plugin_manager()
    with opened(db) as (manager, root):
        expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
        other_expert = root.accounts.add_account(Account("Claire", "Bernard", "claire@example.test", "expert"))
        lawyer = root.accounts.add_account(Account("Sophie", "Moreau", "sophie@example.test", "avocat"))
        admin = root.accounts.add_account(Account("Alice", "Admin", "alice@example.test", "administrateur", True))
        expertise = _new_case(root, pm, expert)
        party = expertise.parties[0].id
        add_participant(root, expertise, lawyer, Role.AVOCAT, party_id=party)
        lawyer_since = expertise.participants[lawyer.id].added_at
        expertise.participants[lawyer.id].active = False  # the expert set it « inactif »

        refusals = [
            ((lawyer, Role.AVOCAT, party), "participe déjà"),  # no silent reactivation: its past stays
            ((expert, Role.CO_EXPERT, None), "participe déjà"),  # nor a new role for the expert
            ((other_expert, Role.EXPERT, None), "a déjà son expert"),
            ((lawyer, Role.MAGISTRAT, None), "participe déjà"),
            ((admin, Role.EXPERT, None), "ne lui permet pas ce rôle"),
            ((other_expert, Role.AVOCAT, party), "ne lui permet pas ce rôle"),
        ]
        for (account, role, party_id), message in refusals:
            with pytest.raises(ExpertiseError, match=message):
                add_participant(root, expertise, account, role, party_id=party_id)

        assert expertise.participants[lawyer.id].active is False
        assert expertise.participants[lawyer.id].added_at == lawyer_since
        assert [p.account_id for p in expertise.participants_by_role(Role.EXPERT)] == [expert.id]
        assert admin.id not in expertise.participants and expertise.id not in admin.expertise_ids
        add_participant(root, expertise, other_expert, Role.CO_EXPERT)  # what it may be


def test_a_closed_case_takes_no_new_participant(db):
    pm = make_plugin_manager()
    with opened(db) as (manager, root):
        expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
        late = root.accounts.add_account(Account("Claire", "Bernard", "claire@example.test", "expert"))
        expertise = _new_case(root, pm, expert)
        for status in ("en_cours", "terminee"):
            change_status(expertise, status, actor_id=expert.id, pm=pm)
        with pytest.raises(ExpertiseError, match="close"):
            add_participant(root, expertise, late, Role.CO_EXPERT)
        assert late.id not in expertise.participants


def test_the_accounts_directory_refuses_a_second_account_with_the_same_email(db):
    with opened(db) as (manager, root):
        root.accounts.add_account(Account("Jean", "Martin", "Jean@Example.test", "expert"))
        with pytest.raises(KeyError):
            root.accounts.add_account(Account("Jeanne", "Martin", " jean@example.TEST ", "expert"))
        assert len(root.accounts) == 1
        assert root.accounts.find_by_email("JEAN@example.test").first_name == "Jean"


def test_site_settings_survive_a_reopen_and_refuse_an_empty_name(db):
    with opened(db) as (manager, root):
        root.settings.update("  Opalexe Angers ", " support@example.test ")
        with pytest.raises(ValueError):
            root.settings.update("   ", "")
        manager.commit()
    with opened(db) as (manager, root):
        assert (root.settings.platform_name, root.settings.contact_email) == ("Opalexe Angers", "support@example.test")


def test_a_container_counts_and_orders_many_children_after_a_reopen(db):
    with opened(db) as (manager, root):
        root.big = big = Container()
        for index in range(3000):
            big.add(f"c{index:05d}", Container())
        manager.commit()
    with opened(db) as (manager, root):
        assert len(root.big) == 3000
        assert list(root.big.keys(min="c02998")) == ["c02998", "c02999"]
        assert root.big["c01234"].__name__ == "c01234" and root.big["c01234"].__parent__ is root.big
        with pytest.raises(KeyError):
            root.big.add("c00001", Container())
        with pytest.raises(ValueError):
            root.big.add("../etc", Container())


def test_concurrent_additions_to_one_container_both_commit(db):
    """Two connections add different children at once: the BTree and its
    Length resolve the conflict instead of failing one of them."""
    with opened(db) as (manager, root):
        root.shared = Container()
        manager.commit()
    with opened(db) as (manager1, root1), opened(db) as (manager2, root2):
        root1.shared.add("from-one", Container())
        root2.shared.add("from-two", Container())
        manager1.commit()
        manager2.commit()
    with opened(db) as (manager, root):
        assert sorted(root.shared) == ["from-one", "from-two"]
        assert len(root.shared) == 2
