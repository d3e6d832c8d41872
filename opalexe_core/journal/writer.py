"""Accepting entries: each in the transaction of what it records.

A connection to the journal database appends to a lane of its own
(:class:`~.store.Lane`), so concurrent requests never write the same
object: no write conflict, whatever the load. :func:`append` is the one
way in; the domain events' subscriber (:func:`journal_event`) and the
requests' tweens (:mod:`.web`) call it.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
import weakref

from pyramid.traversal import find_resource

from ..contract import DocumentDeposited, DocumentReceived, DomainEvent
from ..permissions import VIEW
from ..services.events import current_transaction
from .records import make_entry, plain
from .store import Entry, Lane, get_journal

JOURNAL_DB = "journal"

_lanes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lanes_lock = threading.Lock()

#: Transaction data key: how many domain events this transaction journaled.
EVENTS_MARK = object()

#: Fields every event has; the others are its details.
_BASE_FIELDS = {"id", "at", "actor", "object_path"}


def _lane_id(connection) -> str:
    with _lanes_lock:
        lane_id = _lanes.get(connection)
        if lane_id is None:
            # Sorted by creation, unique across processes and restarts.
            lane_id = _lanes[connection] = f"{time.time_ns():020d}-{secrets.token_hex(6)}"
        return lane_id


def append(connection, data: dict) -> None:
    """Accept the entry ``data`` in the current transaction of
    ``connection`` (a connection to the journal database)."""
    journal = get_journal(connection)
    lane_id = _lane_id(connection)
    lane = journal.lanes.get(lane_id)
    if lane is None:
        lane = journal.lanes[lane_id] = Lane()
    lane.append(Entry(data))


def journal_connection(root):
    """The journal database's connection beside the one ``root`` was read
    with (a multi-database: both join the same transaction)."""
    jar = root._p_jar
    try:
        return jar.get_connection(JOURNAL_DB)
    except KeyError:
        raise RuntimeError("no journal database beside the platform's: set zodbconn.uri.journal") from None


def account_name(root, account_id: str | None) -> str:
    account = root.accounts.get(account_id) if account_id else None
    return account.display_name if account is not None else ""


def event_entry(platform, event: DomainEvent) -> dict:
    actor = event.actor
    details = {field.name: plain(getattr(event, field.name)) for field in dataclasses.fields(event)
               if field.name not in _BASE_FIELDS}
    path = tuple(event.object_path)
    expertise = getattr(event, "expertise_id", None) or (path[1] if len(path) > 1 and path[0] == "expertises"
                                                         else None)
    if isinstance(event, DocumentDeposited | DocumentReceived):
        details.update(_document_context(platform, event))
    return make_entry(
        at=event.at, account=actor.account_id, name=account_name(platform.root, actor.account_id),
        email=actor.email, method=actor.auth_method, fingerprint=actor.certificate_fingerprint,
        ip=actor.client_address, action=event.kind, path="/" + "/".join(path), expertise=expertise,
        event=event.id, details=details,
    )


def _folder(root, expertise, folder_path):
    try:
        if folder_path and folder_path[0] == "expertises":
            return find_resource(root, "/" + "/".join(folder_path))
        return find_resource(expertise.folders, "/".join(folder_path)) if folder_path else None
    except (KeyError, ValueError):
        return None


def _document_context(platform, event) -> dict:
    """What an evidence needs besides the event, as it is at the event:
    the case's name, and for a deposit, who may read the folder (to whom
    it was made available)."""
    root = platform.root
    expertise = root.expertises.get(event.expertise_id) if hasattr(root, "expertises") else None
    context = {"expertise_name": expertise.name if expertise is not None else ""}
    if isinstance(event, DocumentReceived):
        context["recipient_name"] = account_name(root, event.recipient)
        return context
    context["depositor_name"] = account_name(root, event.depositor)
    recipients = []
    folder = _folder(root, expertise, tuple(event.folder_path)) if expertise is not None else None
    if folder is not None:
        for participant in expertise.participants.values():
            account = root.accounts.get(participant.account_id)
            if account is None or not participant.active or not account.active:
                continue
            if platform.authorizer.permits(account, folder, VIEW):
                recipients.append({"account": account.id, "name": account.display_name,
                                   "role": plain(participant.role)})
    context["recipients"] = sorted(recipients, key=lambda r: (r["name"], r["account"]))
    return context


def journal_event(platform, event: DomainEvent) -> None:
    """The in-transaction subscriber of every domain event (appended to
    ``registry.opalexe_subscribers``): one entry per event, written with
    the change, gone with it if the change rolls back."""
    append(journal_connection(platform.root), event_entry(platform, event))
    transaction = current_transaction(platform.root)
    try:
        count = transaction.data(EVENTS_MARK)
    except KeyError:
        count = 0
    transaction.set_data(EVENTS_MARK, count + 1)


def events_journaled(transaction) -> int:
    try:
        return transaction.data(EVENTS_MARK)
    except KeyError:
        return 0
