"""The core's mail, sent after commit: a receiver of committed events.

:class:`CoreMail` implements ``opalexe_event_committed`` and is registered
on the application's plugin manager as :data:`CORE_MAIL_NAME`, beside
``core-defaults``: the outbox delivers it every committed event, at least
once, and retries it when the mail server fails. A message's
``Message-ID`` is made from the event's id, so a delivery repeated after a
crash sends the same message again, which mail servers and clients treat as
one. Messages hold no document and no party's name: a link.

Today it sends the invitation of an expert not registered yet whom a court
designated (:class:`~opalexe_core.contract.SaisineSent` with
``invitation``); its text is ``templates/mail/saisine_invitation.txt``
(French: the proceedings are French and the recipient has no account to
choose another language with).
"""

from __future__ import annotations

import logging
import os

from chameleon import PageTextTemplateFile
from pyramid_mailer.message import Message

from ..contract import SaisineSent
from ..markers import hookimpl
from ..resources.root import get_root
from ..settings import DEFAULT_TEMPLATES_DIR
from ..storage import opened
from .saisines import invitation_token

log = logging.getLogger(__name__)

CORE_MAIL_NAME = "core-mail"

#: Where links point when ``opalexe.public_url`` is not set (development:
#: ``make run`` serves there).
DEVELOPMENT_URL = "http://localhost:6543"


def mail_template(templates_dir: str, name: str) -> PageTextTemplateFile:
    """A mail template: the operator's ``templates_dir`` first, then the core's."""
    for folder in (templates_dir, DEFAULT_TEMPLATES_DIR):
        path = os.path.join(folder, "mail", name)
        if os.path.exists(path):
            return PageTextTemplateFile(path)
    raise FileNotFoundError(f"no mail template {name} in {templates_dir} nor {DEFAULT_TEMPLATES_DIR}")


class CoreMail:
    """Sends the core's mail for committed events, through ``mailer``
    (pyramid_mailer), reading what it needs from ``db``."""

    def __init__(self, db, mailer, settings):
        self.db = db
        self.mailer = mailer
        self.settings = settings

    @property
    def site_url(self) -> str:
        public_url = getattr(self.settings, "public_url", None)
        return str(public_url) if public_url is not None else DEVELOPMENT_URL

    @hookimpl
    def opalexe_event_committed(self, event):
        if isinstance(event, SaisineSent) and event.invitation:
            self.send_invitation(event)

    def send_invitation(self, event: SaisineSent) -> None:
        with opened(self.db) as (zodb_root, _manager):
            root = get_root(zodb_root)
            saisine = root.saisines.get(event.saisine_id)
            if saisine is None or saisine.expert_account_id is not None or not saisine.pending:
                return  # received or answered meanwhile: the invitation has no object any more
            court = root.jurisdictions.get(event.jurisdiction_code)
            values = {
                "platform_name": root.settings.platform_name,
                "court_name": court.name if court is not None else event.jurisdiction_code,
                "court_email": (court.expertise_email if court is not None else "") or "",
                "rg": saisine.case.get("rg", ""),
                "exp": saisine.case.get("exp") or "",
                "link": f"{self.site_url}/saisines/{saisine.id}/invitation?jeton="
                        f"{invitation_token(self.settings.session_secret, saisine.id)}",
                "login": f"{self.site_url}/connexion",
            }
        body = mail_template(self.settings.templates_dir, "saisine_invitation.txt")(**values)
        if isinstance(body, bytes):  # Chameleon's text templates render the file's bytes
            body = body.decode("utf-8")
        message = Message(
            subject=f"Désignation d'expert : {values['court_name']} vous adresse une mission sur "
                    f"{values['platform_name']}",
            recipients=[event.expert_email],
            body=body,
            extra_headers={"Message-ID": f"<{event.id}.invitation@opalexe>"},
        )
        self.mailer.send_immediately(message)  # CRLF line ends: opalexe_core/mail.py
        log.info("mail: invitation for designation %s sent", event.saisine_id)
