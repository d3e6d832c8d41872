"""Delivering the outbox's events to their receivers, after commit.

A receiver is one plugin's implementation of ``opalexe_event_committed``
(every event) or of the hook of the event's type
(``opalexe_expertise_status_changed``, ``opalexe_document_deposited``). Each
is called on its own and its delivery recorded on its own, so a failing
receiver is retried later without calling the others again.

Delivery of one entry:

1. claim it for a lease, and commit (two processes never deliver the same
   entry at the same time: the second one's claim conflicts);
2. call each receiver that has not had it yet;
3. record who had it, and commit; the entry leaves the outbox once every
   receiver had it, otherwise it is due again after a back-off.

A process dying between 2 and 3 leaves the entry claimed: once the lease has
passed, another delivery calls again the receivers whose delivery was not
recorded. Delivery is therefore at least once; receivers recognise an event
by its ``id``.

The committing process delivers right after its commit (``inline``); a
sweeper thread (every ``sweep_seconds``, and at start) delivers what is left:
entries of a process that died, and receivers that failed.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ZODB.POSException import ConflictError

from ..contract import DocumentDeposited, DomainEvent, StatusChanged
from ..resources.root import RootMissing, get_root
from ..storage import opened

log = logging.getLogger(__name__)

GENERIC_HOOK = "opalexe_event_committed"

#: The hook of an event's type, called besides the generic one.
TYPED_HOOKS: dict[type[DomainEvent], str] = {
    StatusChanged: "opalexe_expertise_status_changed",
    DocumentDeposited: "opalexe_document_deposited",
}

LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
COMMIT_ATTEMPTS = 5


@dataclass(frozen=True)
class Receiver:
    """One plugin's implementation of one event hook."""

    name: str  # "<hook>:<plugin name>", the key of its delivery records
    call: Callable[[DomainEvent], object]


@dataclass
class DeliveryReport:
    delivered: int = 0  # entries that left the outbox
    failed: int = 0  # entries with at least one receiver that failed
    skipped: int = 0  # entries claimed by another delivery, or not due
    calls: list[str] = field(default_factory=list)


def receivers_for(pm, event: DomainEvent, services=None) -> list[Receiver]:
    hooks = [GENERIC_HOOK]
    for event_type, hook in TYPED_HOOKS.items():
        if isinstance(event, event_type):
            hooks.append(hook)
    found = []
    for hook in hooks:
        for impl in getattr(pm.hook, hook).get_hookimpls():
            if getattr(impl, "wrapper", False) or getattr(impl, "hookwrapper", False):
                continue
            # An implementation takes the arguments it names (pluggy's rule):
            # ``event``, and ``services`` if it needs storage, mail or links.
            kwargs = {"services": services} if "services" in impl.argnames else {}
            found.append(Receiver(f"{hook}:{impl.plugin_name}",
                                  lambda e, f=impl.function, kw=kwargs: f(event=e, **kw)))
    return found


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


class OutboxDispatcher:
    """Delivers the outbox of the database ``db`` to the receivers of ``pm``."""

    def __init__(self, db, pm, *, inline: bool = True, sweep_seconds: float = 0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), services=None):
        self.db = db
        self.pm = pm
        #: what event hooks receive as ``services`` (PluginServices), or None
        self.services = services
        self.inline = inline
        self.sweep_seconds = sweep_seconds
        self.clock = clock
        self.token = secrets.token_hex(8)  # this dispatcher's name in claims
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- after a commit ------------------------------------------------------------------

    def committed(self, keys: list[str]) -> None:
        """Called after a commit that wrote the outbox entries ``keys``: never
        raises, the entries stay for the sweeper if delivery fails."""
        if not self.inline:
            self._wake.set()
            return
        try:
            self.deliver(keys)
        except Exception:
            log.exception("outbox: delivery after commit failed; the sweeper will retry")

    # -- delivery ------------------------------------------------------------------------

    def deliver(self, keys: list[str] | None = None) -> DeliveryReport:
        """Deliver the entries ``keys`` (every due entry when ``None``)."""
        report = DeliveryReport()
        with self._lock, opened(self.db) as (zodb_root, manager):
            try:
                outbox = get_root(zodb_root).outbox
            except RootMissing:
                return report
            for key in list(outbox.keys()) if keys is None else keys:
                self._deliver_one(outbox, manager, key, report)
        return report

    def _deliver_one(self, outbox, manager, key: str, report: DeliveryReport) -> None:
        now = self.clock()
        try:
            manager.begin()
            entry = outbox.get(key)
            if entry is None:
                manager.abort()
                return
            if not entry.is_due(now):
                manager.abort()
                report.skipped += 1
                return
            entry.claimed_until, entry.claimed_by = now + LEASE, self.token
            manager.commit()
        except ConflictError:
            manager.abort()
            report.skipped += 1
            return
        event = entry.event
        done = set(entry.delivered.keys())
        succeeded, errors = [], []
        for receiver in receivers_for(self.pm, event, self.services):
            if receiver.name in done:
                continue
            try:
                receiver.call(event)
            except Exception as error:
                log.exception("outbox: %s failed on event %s (%s)", receiver.name, event.id, event.kind)
                errors.append(f"{receiver.name}: {error!r}")
            else:
                succeeded.append(receiver.name)
                report.calls.append(receiver.name)
        self._record(outbox, manager, key, succeeded, errors)
        if errors:
            report.failed += 1
        else:
            report.delivered += 1

    def _record(self, outbox, manager, key: str, succeeded: list[str], errors: list[str]) -> None:
        for _attempt in range(COMMIT_ATTEMPTS):
            try:
                manager.begin()
                entry = outbox.get(key)
                if entry is None:
                    manager.abort()
                    return
                now = self.clock()
                for name in succeeded:
                    entry.delivered[name] = now
                if errors:
                    entry.attempts += 1
                    entry.last_error = "; ".join(errors)[:2000]
                    entry.next_attempt = now + backoff(entry.attempts)
                    entry.claimed_until = entry.claimed_by = None
                else:
                    outbox.remove(key)
                manager.commit()
                return
            except ConflictError:
                manager.abort()
        log.error("outbox: could not record the delivery of %s; its receivers will be called again", key)

    # -- the sweeper -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sweeper thread (once), if ``sweep_seconds`` is set."""
        if self.sweep_seconds <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._sweep, name="opalexe-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self._thread = None

    def _sweep(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver()
            except Exception:
                log.exception("outbox: sweep failed")
            self._wake.wait(self.sweep_seconds)
            self._wake.clear()
