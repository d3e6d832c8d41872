"""The outbox: domain events waiting to be delivered after their commit.

An event is written here in the transaction of the change it describes, so
it exists exactly when the change does: a rolled-back change leaves no
event, and a process that dies after the commit leaves its events here for
another process (or itself, restarted) to deliver. Each entry remembers which
receivers already got it, so a receiver is called again only when its
delivery was not recorded (delivery is at least once; receivers recognise an
event they already handled by its ``id``).

Entries are keyed by the event's time then id: delivery follows the order of
the changes. Each entry is its own persistent object, so the process that
delivers one and the request that adds another do not write the same record
(the BTree resolves concurrent inserts and deletes of different keys).
"""

from __future__ import annotations

from datetime import datetime

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from ..contract import DomainEvent


def entry_key(event: DomainEvent) -> str:
    return f"{event.at.strftime('%Y%m%dT%H%M%S.%f')}-{event.id}"


class OutboxEntry(Persistent):
    """One event and its deliveries: receiver name → when it was delivered."""

    def __init__(self, event: DomainEvent):
        self.event = event
        self.delivered = OOBTree()
        self.attempts = 0
        self.last_error = ""
        self.next_attempt: datetime | None = None
        self.claimed_until: datetime | None = None
        self.claimed_by: str | None = None

    def is_due(self, now: datetime) -> bool:
        if self.claimed_until is not None and self.claimed_until > now:
            return False
        return self.next_attempt is None or self.next_attempt <= now


#: A key that never leaves the tree, sorting before every entry's. BTrees
#: cannot resolve a conflict in which one side empties a bucket: without it,
#: the delivery that removes the last entry would conflict with every request
#: adding one at the same moment.
ANCHOR = " anchor"


class Outbox(Persistent):
    """Pending entries by key; delivered entries leave (the journal keeps history)."""

    def __init__(self):
        self.pending = OOBTree({ANCHOR: None})
        self.delivered_count = Length(0)

    def add(self, event: DomainEvent) -> str:
        key = entry_key(event)
        self.pending[key] = OutboxEntry(event)
        return key

    def __len__(self) -> int:
        return len(self.pending) - (ANCHOR in self.pending)

    def keys(self) -> list[str]:
        return [key for key in self.pending.keys() if key != ANCHOR]

    def get(self, key: str) -> OutboxEntry | None:
        return self.pending.get(key) if key != ANCHOR else None

    def remove(self, key: str) -> None:
        if key != ANCHOR and self.pending.pop(key, None) is not None:
            self.delivered_count.change(1)
