"""Evolve steps run in order, once, each in its own transaction."""

import pytest
import transaction
from ZODB import DB
from ZODB.MappingStorage import MappingStorage

from opalexe_core.evolve import SCHEMA_VERSION, STEPS, EvolveContext, EvolveError, pending_steps, run_evolve
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources.root import Root
from opalexe_core.services.bootstrap import ensure_root


@pytest.fixture
def conn():
    db = DB(MappingStorage())
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    yield connection, manager
    manager.abort()
    connection.close()
    db.close()


def test_a_new_root_is_brought_to_the_code_s_schema(conn):
    connection, manager = conn
    root, steps = ensure_root(connection.root(), make_plugin_manager(), txn=manager)
    assert steps == [number for number, _step in STEPS] and steps[-1] == SCHEMA_VERSION  # numbers allocated per issue
    assert root.schema_version == SCHEMA_VERSION
    assert root["expertises"] is root.expertises and root["comptes"] is root.accounts
    assert root.jurisdictions["tj-angers"].expertise_email == "expertises.tj-angers@justice.fr"
    assert len(root.jurisdictions.of_kind("CA")) == 36 and len(root.jurisdictions.of_kind("CAA")) == 9


def test_running_evolve_again_changes_nothing(conn):
    connection, manager = conn
    root, _ = ensure_root(connection.root(), make_plugin_manager(), txn=manager)
    accounts = root.accounts
    assert run_evolve(root, EvolveContext(pm=None), txn=manager) == []
    assert root.accounts is accounts


def test_every_step_run_again_on_its_own_result_changes_nothing(conn):
    """A run cut after a step changed the data but before the schema version
    was committed runs that step again: each step checks before it changes."""
    from opalexe_core.api import AuthMethod
    from opalexe_core.services.accounts import create_account
    from opalexe_core.services.platform import Actor, Platform

    connection, manager = conn
    pm = make_plugin_manager()
    root, _ = ensure_root(connection.root(), pm, txn=manager)
    platform = Platform.offline(root, pm)
    account = create_account(platform, Actor.platform(AuthMethod.CLI), first_name="Jean", last_name="Martin",
                             email="jean@example.test", profile="expert")
    login = account.open_login(platform.now())
    root.accounts.link_identity(account, "demo", "jean@example.test")
    manager.commit()
    kept = {"accounts": root.accounts, "expertises": root.expertises, "jurisdictions": root.jurisdictions,
            "settings": root.settings, "outbox": root.outbox, "by_identity": root.accounts.by_identity,
            "logins": account.logins, "index": root.expertises.index, "saisines": root.saisines,
            "plugin_areas": root.plugin_areas, "certificates": root.certificates}
    pending = root.outbox.keys()

    for _number, step in STEPS:
        step(root, EvolveContext(pm=pm))

    again = {"accounts": root.accounts, "expertises": root.expertises, "jurisdictions": root.jurisdictions,
             "settings": root.settings, "outbox": root.outbox, "by_identity": root.accounts.by_identity,
             "logins": account.logins, "index": root.expertises.index, "saisines": root.saisines,
             "plugin_areas": root.plugin_areas, "certificates": root.certificates}
    assert {name: obj is kept[name] for name, obj in again.items()} == dict.fromkeys(kept, True)
    assert root.outbox.keys() == pending and len(pending) == 1
    assert account.login_is_open(login, platform.now())
    assert root.accounts.find_by_identity("demo", "jean@example.test") is account


def test_later_steps_run_in_order_and_a_failing_step_stops_at_the_last_good_one(conn):
    connection, manager = conn
    connection.root()["opalexe"] = root = Root()
    manager.commit()
    ran = []

    def step(number, fail=False):
        def evolve(root, context):
            ran.append(number)
            root.marks = getattr(root, "marks", ()) + (number,)
            if fail:
                raise RuntimeError(f"step {number} failed")

        return evolve

    steps = ((1, step(1)), (2, step(2)), (3, step(3, fail=True)), (4, step(4)))
    with pytest.raises(RuntimeError, match="step 3"):
        run_evolve(root, EvolveContext(pm=None), steps=steps, txn=manager)
    assert ran == [1, 2, 3]
    assert root.schema_version == 2 and root.marks == (1, 2)  # step 3's change was rolled back
    assert [number for number, _ in pending_steps(root, steps)] == [3, 4]


def test_steps_must_be_unique_and_ascending(conn):
    connection, manager = conn
    root = Root()
    with pytest.raises(EvolveError):
        run_evolve(root, EvolveContext(pm=None), steps=((2, lambda r, c: None), (1, lambda r, c: None)),
                   txn=manager)


def test_step_2_gives_accounts_of_a_step_1_database_their_login_table_and_keeps_the_rest(conn):
    """A database at schema 1 (accounts without ``logins``) evolves to the
    current schema without losing anything, and its people can log in."""
    from datetime import UTC, datetime

    from opalexe_core.evolve import STEPS
    from opalexe_core.resources import Account

    connection, manager = conn
    connection.root()["opalexe"] = root = Root()
    manager.commit()
    run_evolve(root, EvolveContext(pm=None), steps=STEPS[:1], txn=manager)
    account = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
    account.expertise_ids.add("0123456789abcdef")
    del account.logins  # as an account written by the code of schema 1
    manager.commit()
    assert root.schema_version == 1

    assert run_evolve(root, EvolveContext(pm=None), txn=manager) == [number for number, _step in STEPS[1:]]
    assert run_evolve(root, EvolveContext(pm=None), txn=manager) == []

    account = root.accounts.find_by_email("jean@example.test")
    assert list(account.expertise_ids) == ["0123456789abcdef"] and account.display_name == "Jean MARTIN"
    now = datetime.now(UTC)
    assert account.login_is_open(account.open_login(now), now)


def test_step_4_indexes_the_cases_of_a_step_3_database_and_adds_the_designations(conn):
    """Cases stored before the dashboards' index: step 4 indexes each (its
    summary, its court, its EXP number) and adds the designations' container."""
    from opalexe_core.evolve import STEPS
    from opalexe_core.resources import Account, Expertise
    from opalexe_core.services.expertises import join

    connection, manager = conn
    connection.root()["opalexe"] = root = Root()
    manager.commit()
    run_evolve(root, EvolveContext(pm=None), steps=tuple(s for s in STEPS if s[0] < 4), txn=manager)
    del root.expertises.index  # as a container written by the code of schema 3
    expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
    case = root.expertises.add("0123456789abcdef", Expertise(name="Dupont c/ Durand", rg="18/00001", exp="20/56",
                                                             jurisdiction_code="tj-angers"))
    join(case, expert, "expert")
    manager.commit()

    assert run_evolve(root, EvolveContext(pm=None), txn=manager)[:1] == [4]

    index = root.expertises.index
    assert [summary.name for summary in index.cases_of(expert)] == ["Dupont c/ Durand"]
    assert index.case_with_exp("tj-angers", "2020/0056") == case.id
    assert list(index.court_cases("tj-angers")) == [case.id]
    assert len(root.saisines) == 0 and root["saisines"] is root.saisines


def test_step_8_gives_the_plugins_their_storage_areas_and_the_ca_its_register(conn):
    from opalexe_core.evolve import STEPS

    connection, manager = conn
    connection.root()["opalexe"] = root = Root()
    manager.commit()
    run_evolve(root, EvolveContext(pm=None), steps=tuple(s for s in STEPS if s[0] < 8), txn=manager)
    assert getattr(root, "plugin_areas", None) is None and getattr(root, "certificates", None) is None

    assert 8 in run_evolve(root, EvolveContext(pm=None), txn=manager)
    area = root.plugin_areas.area("auth_email_otp")
    area.tree("passwords")["a"] = "hash"
    assert root.certificates.issued is not None and root.certificates.crl_number == 0
    manager.commit()
    assert root.plugin_areas.area("auth_email_otp").tree("passwords")["a"] == "hash"
