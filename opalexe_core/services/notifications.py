"""Telling participants of new documents: a mail per deposit, or a daily digest.

:class:`DepositNotifier` is a core receiver of ``opalexe_event_committed``
(registered by the application as ``core-notifications``): after a deposit
commits, the outbox hands it the :class:`~opalexe_core.contract.DocumentDeposited`
event, at least once. For each participant the document became available to
(``event.recipients``), it either sends a mail at once or keeps the deposit
for the participant's next digest (:func:`send_digests`, once a day:
``opalexe notifications digest`` from a timer). Each (event, participant)
is recorded once handled, so a delivery the outbox repeats sends nothing
twice; a mail server that fails makes the outbox call again later, and
only the mails not yet sent leave then.

A mail holds a link to the document and the case it belongs to, nothing of
the document's content (nor its file name).
"""

from __future__ import annotations

import importlib.resources
import logging
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import chameleon
from pyramid.i18n import make_localizer
from pyramid.traversal import find_resource
from pyramid_mailer.mailer import Mailer
from pyramid_mailer.message import Message

from ..contract import DocumentDeposited, NotificationModeChanged, UserError
from ..i18n import _
from ..mail import crlf_mailer
from ..markers import hookimpl
from ..permissions import DEFAULT_PERMISSION
from ..resources.notifications import Mode, Notice
from ..resources.root import RootMissing, get_root
from ..storage import opened
from .platform import Actor, Platform, Refused

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")

TEMPLATES = {"deposit": "mail/document_deposited.txt", "digest": "mail/documents_digest.txt"}


def set_notification_mode(platform: Platform, actor: Actor, mode: Mode | str) -> Mode:
    """The actor chooses how it hears of new documents."""
    platform.require(actor, DEFAULT_PERMISSION, platform.root, _("Connectez-vous pour choisir vos notifications."))
    if actor.account is None:
        raise Refused(_("Connectez-vous pour choisir vos notifications."))
    try:
        mode = Mode(mode)
    except ValueError:
        raise UserError(_("Choix de notification inconnu."), "mode") from None
    platform.root.notifications.modes[actor.account.id] = mode
    platform.event(NotificationModeChanged, actor, path=("notifications",), account_id=actor.account.id,
                   mode=str(mode))
    return mode


class Mails:
    """The mail templates (``templates/mail/*.txt``, Chameleon text templates
    filled with ``${…}``), in French: the proceedings' language."""

    def __init__(self, templates_dir: str):
        self.templates_dir = templates_dir
        self.localizer = make_localizer("fr", [str(importlib.resources.files("opalexe_core") / "locale")])
        self._compiled = {}

    def render(self, template: str, **values) -> str:
        compiled = self._compiled.get(template)
        if compiled is None:  # compiled once: a compilation takes a good part of a second
            path = os.path.join(self.templates_dir, TEMPLATES[template])
            with open(path, encoding="utf-8") as source:  # read as text: a template file would answer bytes
                compiled = self._compiled[template] = chameleon.PageTextTemplate(source.read())
        return compiled(**values)

    def subject(self, message) -> str:
        return self.localizer.translate(message)


class DepositNotifier:
    """Mails the participants of each committed deposit, or queues it for
    their digest. ``base_url`` gives the platform's address for links (the
    public URL, or the last one a request came through)."""

    def __init__(self, db, mailer: Mailer, mails: Mails, public_url=None, sender: str | None = None):
        self.db = db
        self.mailer = mailer
        self.mails = mails
        self.public_url = public_url
        self.seen_url = "http://localhost:6543"
        self.sender = sender

    def saw(self, application_url: str) -> None:
        """A request came through ``application_url`` (used without a public URL)."""
        self.seen_url = application_url

    def base_url(self) -> str:
        return str(self.public_url or self.seen_url).rstrip("/")

    @hookimpl
    def opalexe_event_committed(self, event):
        if isinstance(event, DocumentDeposited):
            self.notify(event)

    def notify(self, event: DocumentDeposited) -> None:
        with opened(self.db) as (zodb_root, manager):
            try:
                root = get_root(zodb_root)
            except RootMissing:
                return
            notifications = root.notifications
            for account_id in event.recipients:
                manager.begin()
                if notifications.was_sent(event.id, account_id):
                    continue
                account = root.accounts.get(account_id)
                notice = _notice(root, event)
                if account is None or not account.active or notice is None:
                    notifications.mark_sent(event.id, account_id, datetime.now(UTC))
                elif notifications.mode(account_id) is Mode.DIGEST:
                    notifications.queue(account_id, notice)
                    notifications.mark_sent(event.id, account_id, datetime.now(UTC))
                else:
                    # Sent before it is recorded: a crash in between sends it
                    # again (at least once), never loses it.
                    self.send(account, "deposit", notices=[notice])
                    notifications.mark_sent(event.id, account_id, datetime.now(UTC))
                manager.commit()

    def link(self, notice: Notice) -> str:
        path = "/".join((*notice.folder_path, "documents", notice.document_id))
        return f"{self.base_url()}/{path}/"

    def send(self, account, template: str, notices: list[Notice]) -> None:
        items = "\n".join(
            f"- {notice.expertise_name}, coffre « {notice.folder_title} », le {paris_time(notice.at)} :\n"
            f"  {self.link(notice)}" for notice in notices)
        first = notices[0]
        body = self.mails.render(template, name=account.display_name, items=items, count=len(notices),
                                 case=first.expertise_name, folder=first.folder_title, link=self.link(first),
                                 at=paris_time(first.at))
        if template == "deposit":
            subject = self.mails.subject(_("Nouveau document dans l'expertise ${case}",
                                           mapping={"case": notices[0].expertise_name}))
        else:
            subject = self.mails.subject(_("Opalexe : ${count} nouveau(x) document(s)",
                                           mapping={"count": len(notices)}))
        self.mailer.send_immediately(Message(subject=subject, sender=self.sender, recipients=[account.email],
                                             body=body))
        log.info("notification mail (%s, %d document(s)) sent to account %s", template, len(notices), account.id)


def paris_time(moment: datetime) -> str:
    """« 28/11/2025 à 15:32 », in French time."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def _notice(root, event: DocumentDeposited) -> Notice | None:
    try:
        folder = find_resource(root, ("", *event.folder_path))
    except KeyError:
        return None
    expertise = folder.expertise
    title = folder.title  # a party's folder bears the party's name; the others, their French title
    return Notice(event_id=event.id, at=event.at, expertise_id=expertise.id, expertise_name=expertise.name,
                  folder_path=event.folder_path, folder_title=title, document_id=event.document_id)


def send_digests(notifier: DepositNotifier) -> int:
    """Send every account its digest of the deposits waiting; how many mails
    left. An account's digest is cleared once its mail is sent."""
    sent = 0
    with opened(notifier.db) as (zodb_root, manager):
        root = get_root(zodb_root)
        for account_id in list(root.notifications.digests.keys()):
            manager.begin()
            waiting = root.notifications.digests.get(account_id)
            account = root.accounts.get(account_id)
            keys = list(waiting.keys()) if waiting is not None else []
            if keys and account is not None and account.active:
                notifier.send(account, "digest", notices=[waiting[key] for key in keys])
                sent += 1
            # Only what was sent leaves: a deposit queued meanwhile waits for the next digest.
            for key in keys:
                del waiting[key]
            manager.commit()
    return sent


NOTIFIER_NAME = "core-notifications"
#: The sender when ``mail.default_sender`` says none.
DEFAULT_SENDER = "opalexe@localhost"


def make_notifier(db, raw_settings: dict, settings) -> DepositNotifier:
    """The notifier of a process: its mailer from the ``mail.*`` settings
    (pyramid_mailer), its links from the public URL (or, without one, from
    the address the last request came through: development and tests)."""
    return DepositNotifier(db, crlf_mailer(Mailer.from_settings(raw_settings, "mail.")), Mails(settings.templates_dir),
                           settings.public_url, sender=raw_settings.get("mail.default_sender") or DEFAULT_SENDER)


def register_notifier(registry, raw_settings: dict) -> DepositNotifier:
    """Register the application's notifier beside the plugins, as the
    receiver ``core-notifications`` of the committed events."""
    notifier = make_notifier(registry._zodb_databases[""], raw_settings, registry.opalexe)
    registry.opalexe_pm.register(notifier, name=NOTIFIER_NAME)
    return notifier
