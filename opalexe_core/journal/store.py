"""The journal's persistent structures (the database ``journal``).

Accepting entries never conflicts: every connection that writes entries
has a :class:`Lane` of its own (a connection serves one transaction at a
time), in which it appends :class:`Entry` objects. Only the sequencer
(:mod:`.sequencer`) reads the lanes, remembers how far it has read each
one (:attr:`SealState.cursors`), and writes the sealed log, the tree's
nodes, the indexes, the signed heads and the evidences: one writer, so no
conflict there either (two sequencers racing conflict on
:class:`SealState`, and the loser retries).

Sealed entries: ``log[seq] = (seq, prev, entry, leaf)`` where ``prev`` is
the leaf hash of entry ``seq - 1`` (the hash chain; 32 zero bytes for the
first), ``entry`` the :class:`Entry` and ``leaf`` the RFC 6962 leaf hash of
the canonical :func:`~.records.sealed_record`. ``nodes[(level, index)]``
holds every complete subtree's hash (level 0: the leaves).
"""

from __future__ import annotations

from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OLBTree import OLBTree
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

JOURNAL_KEY = "opalexe_journal"
GENESIS = bytes(32)


class Entry(Persistent):
    """One accepted entry: a plain dict (:func:`~.records.make_entry`),
    never changed once written."""

    def __init__(self, data: dict):
        self.data = data


class Lane(Persistent):
    """The entries one connection accepted, in order."""

    def __init__(self):
        self.entries = LOBTree()
        self.count = 0

    def append(self, entry: Entry) -> None:
        self.entries[self.count] = entry
        self.count += 1


class SealState(Persistent):
    """The sequencer's own state: the log's size, the last leaf hash, how
    far each lane was read, and when a head was last signed."""

    def __init__(self):
        self.size = 0
        self.last_leaf = GENESIS
        self.cursors = OLBTree()
        self.last_signed_at = None
        self.last_signed_size = 0


class Evidence(Persistent):
    """A signed evidence (deposit or receipt): the exact bytes signed (the
    evidence's JSON), the signature (DER ECDSA), the signing certificate's
    SHA-256 fingerprint and, when a timestamping authority gave one, its
    RFC 3161 token. ``signature`` is None while no key could sign it."""

    signature = None
    signer = None
    timestamp_token = None

    def __init__(self, evidence_id: str, kind: str, document_id: str, payload: bytes, facts: dict):
        self.id = evidence_id
        self.kind = kind
        self.document_id = document_id
        self.payload = payload
        self.facts = facts  # who may see it: expertise, folder, sender, recipients


class Journal(Persistent):
    """The root object of the journal database."""

    def __init__(self):
        self.lanes = OOBTree()
        self.log = LOBTree()
        self.nodes = OOBTree()
        self.state = SealState()
        self.heads = LOBTree()  # number -> (head dict, signature DER)
        self.by_expertise = OOBTree()  # expertise id -> LLTreeSet of entry numbers
        self.by_account = OOBTree()  # account id (actor or subject) -> LLTreeSet
        self.evidences = OOBTree()
        self.evidences_by_document = OOBTree()
        self.pending_evidences = OOTreeSet()
        self.certificates = OOBTree()  # SHA-256 fingerprint (hex) -> PEM

    def index(self, tree: OOBTree, key: str | None, seq: int) -> None:
        if not key:
            return
        seqs = tree.get(key)
        if seqs is None:
            seqs = tree[key] = LLTreeSet()
        seqs.add(seq)

    def unsealed(self) -> int:
        """How many accepted entries wait for the sequencer."""
        cursors = self.state.cursors
        return sum(lane.count - cursors.get(lane_id, 0) for lane_id, lane in self.lanes.items())


def get_journal(connection) -> Journal:
    try:
        return connection.root()[JOURNAL_KEY]
    except KeyError:
        raise JournalMissing("the journal database holds no journal: run `opalexe init`") from None


def ensure_journal(connection) -> tuple[Journal, bool]:
    """The journal of ``connection``'s database, created if missing (the
    caller commits); True when it was created."""
    root = connection.root()
    if JOURNAL_KEY in root:
        return root[JOURNAL_KEY], False
    root[JOURNAL_KEY] = Journal()
    return root[JOURNAL_KEY], True


class JournalMissing(RuntimeError):
    pass
