"""The object graph behaves the same on FileStorage and on RelStorage/PostgreSQL."""

import contextlib

import pytest

from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources import Account, Container, Expertise, Party
from opalexe_core.storage import initialize, open_db
from pytest_opalexe.web import open_platform


@pytest.fixture
def db(storage):
    database = open_db(storage.uri)
    initialize(database, make_plugin_manager(disabled=("naming_cncej",)))
    yield database
    database.close()


@contextlib.contextmanager
def opened(db):
    """A connection of its own on the Opalexe root; uncommitted work is aborted."""
    with open_platform(db, make_plugin_manager(disabled=("naming_cncej",))) as platform:
        yield platform.transaction, platform.root


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


def test_names_made_of_spaces_are_refused_and_runs_of_spaces_squashed():
    for make in (lambda name: Account(name, "Martin", "a@example.test", "expert"),
                 lambda name: Account("Jean", name, "a@example.test", "expert"),
                 lambda name: Party(name, "demandeur")):
        with pytest.raises(ValueError, match="spaces"):
            make("   ")
        with pytest.raises(ValueError, match="spaces"):
            make("\t\n")
    assert Party("  SCI   Les  Acacias ", "defendeur").name == "SCI Les Acacias"


def test_party_ids_are_unique_within_their_case(monkeypatch):
    """Ids are random: force the generator to repeat itself and see the case
    draw again instead of giving two parties the same id."""
    draws = iter(["aaaa", "aaaa", "aaaa", "bbbb"])
    monkeypatch.setattr("opalexe_core.resources.expertise.secrets.token_hex", lambda n: next(draws))
    expertise = Expertise(name="x", rg="1", exp=None, jurisdiction_code="tj-angers")
    first = expertise.add_party(Party("Dupont", "demandeur"))
    second = expertise.add_party(Party("Durand", "defendeur"))
    assert (first.id, second.id) == ("aaaa", "bbbb")
    assert expertise.party("bbbb") is second
