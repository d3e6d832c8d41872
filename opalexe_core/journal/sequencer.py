"""The one place that orders the accepted entries: it numbers them, chains
them, adds them to the Merkle tree, indexes them, issues the evidences of
deposits and first readings, and signs tree heads.

It runs in a thread of each application process (every
``opalexe.journal.sequence_seconds``) and on demand (``opalexe audit
sequence``, ``opalexe audit sign``, the administrator's « Signer
maintenant »). Two sequencers racing write the same
:class:`~.store.SealState`: one commits, the other's transaction conflicts
and is dropped; it seals nothing twice. An entry is therefore sealed
within about ``sequence_seconds`` of its commit (the bounded delay).
Entries of one lane keep their order; lanes are merged by time.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ZODB.POSException import ConflictError

from ..storage import opened
from . import evidence as evidences
from .merkle import Frontier, Tree, leaf_hash
from .records import canonical, sealed_record, utc_text
from .store import JOURNAL_KEY, JournalMissing

log = logging.getLogger(__name__)

BATCH = 2000


@dataclass
class SealReport:
    sealed: int = 0
    size: int = 0
    head: dict | None = None
    evidences: int = 0
    conflicts: int = 0
    messages: list[str] = field(default_factory=list)


def frontier_of(journal) -> Frontier:
    """The right edge of the sealed tree, storing new nodes in ``journal.nodes``."""
    nodes = journal.nodes
    frontier = Frontier(lambda level, index, h: nodes.__setitem__((level, index), h))
    size, start = journal.state.size, 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            frontier.stack.append(nodes[(level, start >> level)])
            start += 1 << level
    frontier.size = size
    return frontier


def tree_of(journal, size: int | None = None) -> Tree:
    nodes = journal.nodes
    return Tree(lambda level, index: nodes[(level, index)], journal.state.size if size is None else size)


def _lane_tail(lane_id, lane, start):
    for index in range(start, lane.count):
        entry = lane.entries[index]
        yield entry.data["at"], lane_id, index, entry


def _pending(journal):
    cursors = journal.state.cursors
    for lane_id, lane in journal.lanes.items():
        start = cursors.get(lane_id, 0)
        if lane.count > start:
            yield _lane_tail(lane_id, lane, start)


def seal(journal, limit: int = BATCH) -> int:
    """Seal up to ``limit`` accepted entries (the caller commits)."""
    state = journal.state
    frontier = None
    count = 0
    cursors = {}
    for _at, lane_id, index, entry in heapq.merge(*_pending(journal)):
        if count >= limit:
            break
        frontier = frontier or frontier_of(journal)
        seq = state.size + 1
        prev = state.last_leaf
        leaf = leaf_hash(canonical(sealed_record(seq, prev, entry.data)))
        journal.log[seq] = (seq, prev, entry, leaf)
        frontier.append(leaf)
        data = entry.data
        journal.index(journal.by_expertise, data.get("expertise"), seq)
        journal.index(journal.by_account, data.get("account"), seq)
        subject = (data.get("details") or {}).get("account_id")
        if subject and subject != data.get("account"):
            journal.index(journal.by_account, subject, seq)
        if data.get("action") in evidences.EVIDENCE_ACTIONS and data.get("outcome") == "allowed":
            journal.pending_evidences.add(seq)
        state.size = seq
        state.last_leaf = leaf
        cursors[lane_id] = index + 1
        count += 1
    for lane_id, cursor in cursors.items():
        state.cursors[lane_id] = cursor
    return count


def sign_head(journal, signer, now: datetime) -> dict | None:
    """Sign the head of the tree as it is (the caller commits)."""
    state = journal.state
    if state.size == 0:
        return None
    root = tree_of(journal).root()
    number = journal.heads.maxKey() + 1 if len(journal.heads) else 1
    fingerprint = signer.fingerprint()
    head = {"number": number, "tree_size": state.size, "root_hash": root.hex(), "last_leaf": state.last_leaf.hex(),
            "timestamp": utc_text(now), "signer": fingerprint}
    journal.heads[number] = (head, signer.sign(canonical(head)))
    if fingerprint not in journal.certificates:
        journal.certificates[fingerprint] = signer.certificate_pem()
    state.last_signed_at = now
    state.last_signed_size = state.size
    return head


class Sequencer:
    """Seals, signs and issues evidences on the journal database ``db``."""

    def __init__(self, db, *, pm=None, signer=None, sign_interval: timedelta = timedelta(hours=1),
                 interval_seconds: float = 0, platform_name: Callable[[], str] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.db = db
        self.pm = pm
        self.signer = signer
        self.sign_interval = sign_interval
        self.interval_seconds = interval_seconds
        self.platform_name = platform_name or (lambda: "Opalexe")
        self.clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _due(self, state, now) -> bool:
        if self.signer is None or state.size <= state.last_signed_size:
            return False
        return state.last_signed_at is None or now - state.last_signed_at >= self.sign_interval

    def run(self, sign: bool | None = None) -> SealReport:
        """Seal everything accepted so far; then sign a head when ``sign`` is
        true, or when one is due (``sign`` None); then issue the evidences
        waiting for a signature. A conflict with another sequencer drops
        this round (the other one did the work)."""
        report = SealReport()
        with self._lock, opened(self.db) as (zodb_root, manager):
            if JOURNAL_KEY not in zodb_root:
                raise JournalMissing("the journal database holds no journal: run `opalexe init`")
            while True:
                try:
                    manager.begin()
                    journal = zodb_root[JOURNAL_KEY]
                    sealed = seal(journal)
                    now = self.clock()
                    final = sealed < BATCH
                    if final and self.signer is not None:
                        self._sign(journal, sign, now, report)
                    report.size = journal.state.size
                    manager.get().note(f"opalexe journal: sealed {sealed}")
                    manager.commit()
                except ConflictError:
                    manager.abort()
                    report.conflicts += 1
                    report.head = None
                    return report
                report.sealed += sealed
                if final:
                    return report

    def _sign(self, journal, sign, now, report) -> None:
        """Sign a head if asked or due, then the waiting evidences. A token
        without the key (or unreachable) signs nothing this round: the
        sealing is kept, the signatures wait for the next round."""
        from ..keystore import KeyStoreError

        try:
            if sign or (sign is None and self._due(journal.state, now)):
                report.head = sign_head(journal, self.signer, now)
            report.evidences += evidences.issue_pending(journal, self.signer, self.pm, now, self.platform_name())
        except KeyStoreError as error:
            report.head = None
            report.messages.append(str(error))
            log.error("journal: nothing signed: %s", error)

    # -- the thread ----------------------------------------------------------------------------

    def start(self) -> None:
        if self.interval_seconds <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="opalexe-journal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=30)
        self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.run()
            except Exception:
                log.exception("journal: sequencing failed; retrying at the next interval")
