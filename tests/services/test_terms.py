"""The terms of use through their services (issue 18): a new version gives
four months of notice while one is in force, an acceptance is recorded once,
and every refusal stores nothing. The days are French ones."""

import contextlib
from datetime import UTC, date, datetime

import pytest

from opalexe_core.api import AuthMethod, TermsAccepted, TermsPublished, UserError
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.services import terms
from opalexe_core.services.accounts import create_account
from opalexe_core.services.platform import Actor
from opalexe_core.storage import initialize, open_db
from pytest_opalexe.web import open_platform

#: 31 October 2026, 10:00 UTC (11:00 in Paris): four months later is the last day of February.
NOW = datetime(2026, 10, 31, 10, 0, tzinfo=UTC)
OPERATOR = Actor.platform()


@pytest.fixture
def db(storage):
    pm = make_plugin_manager(disabled=("naming_cncej",))
    database = open_db(storage.uri)
    initialize(database, pm)
    database.pm = pm
    yield database
    database.close()


@pytest.fixture
def at(db):
    """``at(moment)``: the platform as it is at ``moment``, with ``seen``, the events it emits."""
    with contextlib.ExitStack() as stack:
        def platform_at(moment):
            seen = []
            platform = stack.enter_context(open_platform(db, db.pm, clock=lambda: moment,
                                                         subscribers=[lambda platform, event: seen.append(event)]))
            platform.seen = seen
            return platform

        yield platform_at


def publish(platform, version, effective_on):
    return terms.publish(platform, OPERATOR, version=version, title="", effective_on=effective_on,
                         text=f"Texte de la version {version}.")


def test_the_first_version_may_come_into_force_today_never_before(at):
    platform = at(NOW)
    assert terms.earliest_day(platform) == date(2026, 10, 31)
    with pytest.raises(UserError, match="ne peut pas être passée") as refused:
        publish(platform, "v1", date(2026, 10, 30))
    assert refused.value.field == "effective_on"
    assert platform.seen == [] and platform.root.terms.get("v1") is None

    publish(platform, "v1", date(2026, 10, 31))
    [published] = platform.seen
    assert isinstance(published, TermsPublished) and published.effective_on == date(2026, 10, 31)
    assert terms.in_force(platform).version == "v1"


def test_a_new_version_gives_four_months_notice_while_one_is_in_force(at):
    platform = at(NOW)
    publish(platform, "v1", date(2026, 10, 31))
    platform.seen.clear()

    assert terms.earliest_day(platform) == date(2027, 2, 28)  # 31 October + 4 months: February's last day
    with pytest.raises(UserError, match="28/02/2027") as refused:
        publish(platform, "v2", date(2027, 2, 27))
    assert refused.value.field == "effective_on"
    with pytest.raises(UserError, match="existe déjà"):
        publish(platform, "v1", date(2027, 3, 1))
    assert platform.seen == [] and platform.root.terms.get("v2") is None

    publish(platform, "v2", date(2027, 2, 28))
    assert [type(event) for event in platform.seen] == [TermsPublished]
    assert terms.in_force(platform).version == "v1"


def test_the_day_is_the_one_in_paris(at):
    """23:30 UTC on 31 October is already 1 November in Paris."""
    platform = at(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    publish(platform, "v1", date(2026, 11, 1))
    assert terms.earliest_day(platform) == date(2027, 3, 1)


def test_a_version_is_accepted_once_and_only_a_version_in_force_or_announced(at):
    platform = at(NOW)
    publish(platform, "v1", date(2026, 10, 31))
    publish(platform, "v2", date(2027, 3, 1))
    account = create_account(platform, OPERATOR, first_name="Jean", last_name="Martin",
                             email="jean@example.test", profile="expert")
    person = Actor(account, AuthMethod.DEMO, "192.0.2.1")
    platform.seen.clear()

    assert terms.to_accept(platform, account).version == "v1"
    assert terms.announced(platform, account).version == "v2"
    with pytest.raises(UserError, match="n'est pas à accepter"):
        terms.accept(platform, person, "v0")
    assert platform.seen == []

    assert terms.accept(platform, person, "v1") is True
    assert terms.accept(platform, person, "v1") is False  # already accepted: nothing more
    assert terms.accept(platform, person, "v2") is True  # announced: may be accepted ahead of its day
    assert [(type(event), event.version) for event in platform.seen] == [(TermsAccepted, "v1"),
                                                                         (TermsAccepted, "v2")]
    assert terms.to_accept(platform, account) is None and terms.announced(platform, account) is None
