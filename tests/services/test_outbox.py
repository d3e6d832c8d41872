"""Events leave through the outbox: written with the change, delivered after
its commit, at least once per receiver, never for a rolled-back change."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import transaction
from pyramid_mailer import get_mailer
from pyramid_mailer.message import Message
from ZODB import DB
from ZODB.FileStorage import FileStorage

from opalexe_core.api import AuthMethod, ExpertiseCreated, StatusChanged, hookimpl
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources import Expertise
from opalexe_core.services.accounts import create_account
from opalexe_core.services.bootstrap import ensure_root
from opalexe_core.services.events import DetachedObjectError, current_transaction
from opalexe_core.services.expertises import change_status, create_expertise
from opalexe_core.services.outbox import LEASE, OutboxDispatcher
from opalexe_core.services.platform import Actor, Platform
from pytest_opalexe.web import close_app, file_storage_uri, make_app, open_platform, test_settings

PARTIES = [("Dupont", "demandeur", "physique"), ("Durand", "defendeur", "physique")]


class Recorder:
    """A plugin keeping what it receives, by hook."""

    def __init__(self):
        self.all, self.status = [], []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.all.append(event)

    @hookimpl
    def opalexe_expertise_status_changed(self, event):
        self.status.append(event)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


class World:
    """A platform on a FileStorage, its dispatcher and a recorder."""

    def __init__(self, directory, *plugins, inline=True):
        self.pm = make_plugin_manager(disabled=("naming_cncej",))
        self.recorder = Recorder()
        self.pm.register(self.recorder, name="recorder")
        for index, plugin in enumerate(plugins):
            self.pm.register(plugin, name=f"extra-{index}")
        self.db = DB(FileStorage(str(directory / "Data.fs")))
        self.clock = Clock()
        self.dispatcher = OutboxDispatcher(self.db, self.pm, inline=inline, clock=self.clock)
        self.manager = transaction.TransactionManager()
        connection = self.db.open(transaction_manager=self.manager)
        root, _ = ensure_root(connection.root(), self.pm, txn=self.manager)
        self.platform = Platform.offline(root, self.pm, dispatcher=self.dispatcher, clock=self.clock)
        self.expert = create_account(self.platform, Actor.platform(), first_name="Jean", last_name="Martin",
                                     email="jean@example.test", profile="expert")
        self.actor = Actor(self.expert, AuthMethod.DEMO, "192.0.2.7")
        self.manager.commit()
        self.dispatcher.deliver()  # the account's event, when not delivered inline
        self.recorder.all.clear()

    def new_case(self, rg="18/1"):
        return create_expertise(self.platform, self.actor, jurisdiction_code="tj-angers", rg=rg, exp=rg,
                                parties=PARTIES)

    def pending(self) -> int:
        with open_platform(self.db, self.pm) as platform:
            return len(platform.root.outbox)


def test_an_event_is_delivered_after_commit_and_never_for_a_rolled_back_change(tmp_path):
    world = World(tmp_path)
    expertise = world.new_case()
    world.manager.commit()
    world.recorder.all.clear()

    change_status(world.platform, world.actor, expertise, "en_cours")
    assert world.recorder.status == []  # not before commit
    world.manager.abort()
    assert world.recorder.status == [] and expertise.status == "creee"
    assert world.pending() == 0

    change_status(world.platform, world.actor, expertise, "en_cours")
    world.manager.commit()

    [event] = world.recorder.status
    assert isinstance(event, StatusChanged)
    assert (event.old, event.new, event.expertise_id) == ("creee", "en_cours", expertise.id)
    assert (event.actor.account_id, event.actor.auth_method, event.actor.client_address) == (
        world.expert.id, AuthMethod.DEMO, "192.0.2.7")
    assert event.at.tzinfo is not None and event.object_path == ("expertises", expertise.id)
    assert world.recorder.all == [event]  # the generic hook too, once
    assert world.pending() == 0  # delivered entries leave the outbox


def test_a_failing_receiver_is_logged_retried_later_and_the_others_are_not_called_again(tmp_path, caplog):
    class Flaky:
        down = False

        @hookimpl
        def opalexe_event_committed(self, event):
            if self.down:
                raise RuntimeError("notification service down")

    flaky = Flaky()
    world = World(tmp_path, flaky)
    flaky.down = True
    with caplog.at_level(logging.ERROR, logger="opalexe_core.services.outbox"):
        world.new_case()
        world.manager.commit()

    assert world.platform.root.expertises  # the commit stands
    assert "opalexe_event_committed:extra-0 failed" in caplog.text and "notification service down" in caplog.text
    assert [type(e) for e in world.recorder.all] == [ExpertiseCreated]
    assert world.pending() == 1

    flaky.down = False
    assert world.dispatcher.deliver().skipped == 1  # not due before its back-off
    world.clock.now += timedelta(minutes=1)
    report = world.dispatcher.deliver()

    assert report.calls == ["opalexe_event_committed:extra-0"]  # the recorder is not called again
    assert len(world.recorder.all) == 1 and world.pending() == 0


def test_an_entry_claimed_by_a_dispatcher_that_died_is_delivered_once_its_lease_is_over(tmp_path):
    world = World(tmp_path, inline=False)
    world.new_case()
    world.manager.commit()
    assert world.recorder.all == [] and world.pending() == 1
    with open_platform(world.db, world.pm) as platform:  # a process claimed it, then died before delivering
        outbox = platform.root.outbox
        entry = outbox.get(outbox.keys()[0])
        entry.claimed_until, entry.claimed_by = world.clock.now + LEASE, "dead-process"
        platform.transaction.commit()

    assert world.dispatcher.deliver().skipped == 1 and world.recorder.all == []
    world.clock.now += LEASE + timedelta(seconds=1)
    world.dispatcher.deliver()

    assert [type(e) for e in world.recorder.all] == [ExpertiseCreated]
    assert world.pending() == 0


def test_a_case_created_and_moved_in_one_transaction_is_delivered_once_that_transaction_commits(tmp_path):
    """The new case has no connection yet: its events join the transaction
    of the stored root, not the thread's default one."""
    world = World(tmp_path)
    second = world.new_case("18/2")
    change_status(world.platform, world.actor, second, "en_cours")
    transaction.commit()  # the thread's default transaction: not the one the case is in
    assert world.recorder.all == []
    world.manager.abort()
    transaction.commit()
    assert world.recorder.all == [] and world.pending() == 0

    third = world.new_case("18/3")
    change_status(world.platform, world.actor, third, "en_cours")
    world.manager.commit()
    assert [(type(e), e.expertise_id) for e in world.recorder.all] == [
        (ExpertiseCreated, third.id), (StatusChanged, third.id)]


def test_mail_is_sent_through_smtp_on_commit_and_never_on_abort(tmp_path, mail_sink):
    app = make_app(test_settings(file_storage_uri(tmp_path), **{
        "mail.host": mail_sink.host, "mail.port": str(mail_sink.port), "mail.default_sender": "opalexe@example.test",
    }), demo=False)
    try:
        mailer = get_mailer(app.registry)
        transaction.begin()
        mailer.send(Message(subject="Annulé", recipients=["a@example.test"], body="jamais envoyé"))
        transaction.abort()
        with transaction.manager:
            mailer.send(Message(subject="Nouvelle pièce déposée", recipients=["avocat@example.test"],
                                body="Une pièce a été déposée dans l'expertise."))
        [received] = mail_sink.wait_for(1)
        assert received["Subject"] == "Nouvelle pièce déposée"
        assert received["To"] == "avocat@example.test"
        assert "Une pièce a été déposée" in received.get_content()
        assert all(m["Subject"] != "Annulé" for m in mail_sink.messages)
    finally:
        close_app(app)


def test_an_object_attached_to_nothing_stored_is_refused():
    loose = Expertise(name="x", rg="1", exp=None, jurisdiction_code="tj-angers")
    with pytest.raises(DetachedObjectError):
        current_transaction(loose)
