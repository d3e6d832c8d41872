"""What the notification of deposits remembers (``root.notifications``).

Each account chooses how it hears of new documents (:class:`Mode`): a mail
per deposit, or one daily digest. The mails themselves are sent after the
deposit's commit, through the outbox (:mod:`opalexe_core.services.notifications`):
``sent`` records each mail sent (event id and account), so a delivery
repeated by the outbox sends nothing twice; ``digests`` holds, per account,
the deposits waiting for its next digest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from BTrees.OOBTree import OOBTree
from persistent import Persistent


class Mode(enum.StrEnum):
    """How an account hears of a new document: at once, or in a daily digest."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


@dataclass(frozen=True)
class Notice:
    """One deposit waiting in a digest: enough to write a line and a link,
    nothing of the document's content."""

    event_id: str
    at: datetime
    expertise_id: str
    expertise_name: str
    folder_path: tuple[str, ...]
    folder_title: str
    document_id: str


class Notifications(Persistent):
    def __init__(self):
        self.modes = OOBTree()  # account id -> Mode (absent: immediate)
        self.sent = OOBTree()  # "<event id> <account id>" -> when the mail left
        self.digests = OOBTree()  # account id -> OOBTree("<at> <event id>" -> Notice)

    def mode(self, account_id: str) -> Mode:
        return Mode(self.modes.get(account_id, Mode.IMMEDIATE))

    @staticmethod
    def sent_key(event_id: str, account_id: str) -> str:
        return f"{event_id} {account_id}"

    def was_sent(self, event_id: str, account_id: str) -> bool:
        return self.sent_key(event_id, account_id) in self.sent

    def mark_sent(self, event_id: str, account_id: str, when: datetime) -> None:
        self.sent[self.sent_key(event_id, account_id)] = when

    def queue(self, account_id: str, notice: Notice) -> bool:
        """Add ``notice`` to the account's next digest; False if it is there."""
        waiting = self.digests.get(account_id)
        if waiting is None:
            waiting = self.digests[account_id] = OOBTree()
        key = f"{notice.at.isoformat()} {notice.event_id}"
        if key in waiting:
            return False
        waiting[key] = notice
        return True
