"""Side effects happen after commit: hooks fire and mail leaves only for
transactions that committed."""

import pytest
import transaction
from pyramid_mailer import get_mailer
from pyramid_mailer.message import Message
from ZODB import DB
from ZODB.MappingStorage import MappingStorage

from opalexe_core import hookimpl
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources import Account, Expertise
from opalexe_core.services.bootstrap import ensure_root
from opalexe_core.services.events import DetachedObjectError, after_commit
from opalexe_core.services.expertises import change_status, create_expertise
from pytest_opalexe.web import close_app, file_storage_uri, make_app, test_settings


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def opalexe_expertise_status_changed(self, event):
        self.events.append(event)


def _case(manager, pm):
    connection = DB(MappingStorage()).open(transaction_manager=manager)
    root, _ = ensure_root(connection.root(), pm, txn=manager)
    expert = root.accounts.add_account(Account("Jean", "Martin", "jean@example.test", "expert"))
    expertise = create_expertise(root, pm, expert=expert, jurisdiction_code="tj-angers", rg="18/1", exp="18/1",
                                 parties=[("Dupont", "demandeur", "physique"), ("Durand", "defendeur", "physique")])
    manager.commit()
    return expertise, expert


def test_status_changed_fires_after_commit_only():
    pm = make_plugin_manager()
    recorder = Recorder()
    pm.register(recorder, name="recorder")
    manager = transaction.TransactionManager()
    expertise, expert = _case(manager, pm)

    change_status(expertise, "en_cours", actor_id=expert.id, pm=pm)
    assert recorder.events == []  # not before commit
    manager.abort()
    assert recorder.events == [] and expertise.status == "creee"  # a rolled-back change fires nothing

    change_status(expertise, "en_cours", actor_id=expert.id, pm=pm)
    manager.commit()
    assert [(e.old, e.new, e.actor, e.expertise_id) for e in recorder.events] == [
        ("creee", "en_cours", expert.id, expertise.id)
    ]


def test_a_failing_hook_does_not_undo_the_commit():
    class Failing:
        @hookimpl
        def opalexe_expertise_status_changed(self, event):
            raise RuntimeError("notification service down")

    pm = make_plugin_manager()
    pm.register(Failing(), name="failing")
    manager = transaction.TransactionManager()
    expertise, expert = _case(manager, pm)
    change_status(expertise, "en_cours", actor_id=expert.id, pm=pm)
    manager.commit()
    assert expertise.status == "en_cours"
    assert expertise._p_changed is False  # stored


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


def test_a_case_created_and_moved_in_one_transaction_fires_once_it_commits():
    """The new case has no connection yet: its hook joins the transaction of
    the stored container it was added to, not the thread's default one."""
    pm = make_plugin_manager()
    recorder = Recorder()
    pm.register(recorder, name="recorder")
    manager = transaction.TransactionManager()
    expertise, expert = _case(manager, pm)
    root = expertise.__parent__.__parent__

    second = create_expertise(root, pm, expert=expert, jurisdiction_code="tj-angers", rg="18/2", exp="18/2",
                              parties=[("Dupont", "demandeur", "physique"), ("Durand", "defendeur", "physique")])
    change_status(second, "en_cours", actor_id=expert.id, pm=pm)
    transaction.commit()  # the thread's default transaction: not the one the case is in
    assert recorder.events == []
    manager.abort()
    transaction.commit()
    assert recorder.events == []  # rolled back: nothing ever fires

    third = create_expertise(root, pm, expert=expert, jurisdiction_code="tj-angers", rg="18/3", exp="18/3",
                             parties=[("Dupont", "demandeur", "physique"), ("Durand", "defendeur", "physique")])
    change_status(third, "en_cours", actor_id=expert.id, pm=pm)
    manager.commit()
    assert [(e.expertise_id, e.new) for e in recorder.events] == [(third.id, "en_cours")]


def test_an_object_attached_to_nothing_stored_is_refused():
    loose = Expertise(name="x", rg="1", exp=None, jurisdiction_code="tj-angers")
    with pytest.raises(DetachedObjectError):
        after_commit(print, loose)
