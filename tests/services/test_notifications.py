"""Participants hear of a deposit by mail (one per deposit, or a daily
digest), through the outbox: a link and nothing of the document, no mail lost
and none sent twice."""

import io
import os

import pytest
from pyramid_mailer.mailer import DummyMailer

from opalexe_core.api import AuthMethod, DocumentDeposited, FolderKind, NotificationModeChanged, UserError
from opalexe_core.resources.notifications import Mode
from opalexe_core.services.demo import demo_email
from opalexe_core.services.documents import deposit_upload, receive_chunk, spool, start_upload
from opalexe_core.services.notifications import send_digests, set_notification_mode
from opalexe_core.services.platform import Actor, Refused
from pytest_opalexe.web import platform_of

pytestmark = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)

SECRET = b"%PDF-1.4\nCONTENU CONFIDENTIEL DU RAPPORT " + os.urandom(2000)


@pytest.fixture
def app(documents_app):
    return documents_app


def actor(platform, key):
    return Actor(platform.root.accounts.find_by_email(demo_email(key)), AuthMethod.DEMO)


def folder_of(platform, kind, party=None):
    case = next(e for e in platform.root.expertises.values() if e.jurisdiction_code == "tj-angers")
    for folder in case.folders.values():
        owner = case.party(folder.party_id)
        if folder.kind == kind and (party is None or (owner and owner.name.startswith(party))):
            return folder
    raise LookupError(kind)


def deposit(app, key="avocat1", kind=FolderKind.PARTIE, party="Dupont", filename="Rapport secret Dupont.pdf"):
    with platform_of(app) as platform:
        who = actor(platform, key)
        upload = start_upload(platform, who, folder_of(platform, kind, party), filename=filename, length=len(SECRET))
        receive_chunk(platform, who, upload, 0, io.BytesIO(SECRET).read, len(SECRET))
        document = deposit_upload(platform, who, spool(platform).get(upload.id))
        platform.transaction.commit()  # the outbox delivers after this commit
        return document.id


def mails(app):
    return app.registry.opalexe_notifier.mailer.outbox


def by_recipient(app):
    return {message.recipients[0]: message for message in mails(app)}


def test_each_entitled_participant_gets_a_link_and_nothing_of_the_document(app):
    document_id = deposit(app)
    received = by_recipient(app)

    assert demo_email("avocat1") not in received  # the depositor
    assert {demo_email(key) for key in ("expert", "coexpert", "magistrat", "greffier", "avocat2", "intervenant",
                                        "mediateur", "sapiteur")} <= set(received)
    message = received[demo_email("magistrat")]
    assert message.subject.startswith("Nouveau document dans l'expertise Dupont c/ Syndicat")
    assert f"/documents/{document_id}/" in message.body and message.body.startswith("Bonjour Hélène DURAND,")
    for message in mails(app):
        assert "Rapport secret" not in message.body and "CONFIDENTIEL" not in message.body
        assert "Rapport secret" not in message.subject


def test_the_confidential_channel_notifies_no_party(app):
    deposit(app, key="expert", kind=FolderKind.MAGISTRAT_EXPERT, party=None)
    assert demo_email("magistrat") in by_recipient(app)
    assert not {demo_email(k) for k in ("avocat1", "avocat2", "intervenant")} & set(by_recipient(app))


def test_a_delivery_repeated_by_the_outbox_sends_nothing_twice(app):
    seen = []
    app.registry.opalexe_subscribers.append(lambda platform, event: seen.append(event))
    deposit(app)
    count = len(mails(app))
    [event] = [e for e in seen if isinstance(e, DocumentDeposited)]

    app.registry.opalexe_notifier.notify(event)  # at least once: the same event again
    assert len(mails(app)) == count


def test_a_mail_server_down_loses_nothing_and_the_retry_sends_only_what_is_left(app):
    class Flaky(DummyMailer):
        budget = 3

        def send_immediately(self, message, fail_silently=False):
            if self.budget == 0:
                raise ConnectionRefusedError("SMTP down")
            self.budget -= 1
            super().send_immediately(message, fail_silently)

    flaky = app.registry.opalexe_notifier.mailer = Flaky()
    deposit(app)
    assert len(flaky.outbox) == 3  # then the server went down: the outbox keeps the event
    flaky.budget = 100
    report = app.registry.opalexe_outbox.deliver()  # not due yet: back-off
    assert report.skipped == 1
    with platform_of(app) as platform:
        for key in platform.root.outbox.keys():
            platform.root.outbox.get(key).next_attempt = None
        platform.transaction.commit()
    app.registry.opalexe_outbox.deliver()
    recipients = [message.recipients[0] for message in flaky.outbox]
    assert len(recipients) == len(set(recipients)) >= 8


def test_a_participant_may_choose_a_daily_digest_instead(app):
    with platform_of(app) as platform:
        mode = set_notification_mode(platform, actor(platform, "magistrat"), "digest")
        platform.transaction.commit()
    assert mode is Mode.DIGEST
    first, second = deposit(app), deposit(app, filename="autre.pdf")
    assert demo_email("magistrat") not in by_recipient(app)
    assert demo_email("expert") in by_recipient(app)
    app.registry.opalexe_notifier.mailer.outbox.clear()

    assert send_digests(app.registry.opalexe_notifier) == 1
    [digest] = mails(app)
    assert digest.recipients == [demo_email("magistrat")] and digest.subject == "Opalexe : 2 nouveau(x) document(s)"
    assert f"/documents/{first}/" in digest.body and f"/documents/{second}/" in digest.body
    assert "CONFIDENTIEL" not in digest.body and "autre.pdf" not in digest.body
    assert send_digests(app.registry.opalexe_notifier) == 0  # sent once


def test_choosing_is_an_event_and_refuses_nonsense_and_visitors(app):
    seen = []
    app.registry.opalexe_subscribers.append(lambda platform, event: seen.append(event))
    with platform_of(app) as platform:
        with pytest.raises(UserError, match="Choix de notification inconnu"):
            set_notification_mode(platform, actor(platform, "expert"), "pigeon")
        with pytest.raises(Refused):
            set_notification_mode(platform, Actor.anonymous("192.0.2.9"), "digest")
        set_notification_mode(platform, actor(platform, "expert"), "digest")
        [event] = seen
        assert isinstance(event, NotificationModeChanged) and event.mode == "digest"
        assert event.account_id == actor(platform, "expert").account.id
