"""Deposited documents: immutable once deposited.

A :class:`Document` is made by the deposit service and sealed at once: its
facts (name, size, SHA-256, depositor, number, date of availability) and its
ciphertext (a ZODB blob, :mod:`opalexe_core.services.sealing`) never change
afterwards, and assigning any of them raises :class:`ImmutableDocument`. What
happens to it later is added beside, never over: the receipts (one per
participant, the date of its first opening or download), the withdrawal
(who, when, why; the document stays in the record and can still be read),
and the newer version that corrects it, each settable once.

A folder keeps its documents in ``folder.documents`` (traversed as
``…/dossiers/<folder>/documents/<id>``) and numbers a party's exhibits and
observations in ``folder.numbering``: « Pièce n°N – <partie> ». The counter
is a plain persistent attribute on purpose: two deposits numbered at the
same moment write the same record, the second one's commit conflicts and is
retried (no two exhibits get one number, on any storage).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .container import Container


class Nature(enum.StrEnum):
    """What a document is: an exhibit (pièce) or an observation (dire) of a
    party, numbered in its folder; any other document."""

    PIECE = "piece"
    DIRE = "dire"
    DOCUMENT = "document"


class ImmutableDocument(AttributeError):
    """A deposited document's facts and bytes never change."""


@dataclass(frozen=True)
class Receipt:
    """A participant's first opening (``how``: ``ouverture``), download
    (``telechargement``) or export (``export``) of a document: ``at`` is its
    date of receipt."""

    account_id: str
    at: datetime
    how: str


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew a document, when, and why. The document stays readable."""

    account_id: str | None
    at: datetime
    reason: str


class Numbering(Persistent):
    """The last number given in a folder, by nature (``piece``, ``dire``)."""

    def next(self, nature: str) -> int:
        number = getattr(self, f"last_{nature}", 0) + 1
        setattr(self, f"last_{nature}", number)
        return number


class Documents(Container):
    """The documents of one folder, keyed by a random id, in deposit order
    through :attr:`order`."""

    def __init__(self):
        super().__init__()
        self.order = OOBTree()  # (deposited_at, id) -> id
        self.by_upload = OOBTree()  # the upload a document was made of -> its id

    def made_of(self, upload_id: str) -> Document | None:
        """The document deposited from the upload ``upload_id``, if any."""
        document_id = self.by_upload.get(upload_id)
        return self[document_id] if document_id is not None else None

    def new_id(self) -> str:
        while True:
            candidate = secrets.token_hex(8)
            if candidate not in self:
                return candidate

    def add_document(self, document: Document, upload_id: str | None = None) -> Document:
        self.add(document.id, document)
        self.order[(document.deposited_at, document.id)] = document.id
        if upload_id is not None:
            self.by_upload[upload_id] = document.id
        return document

    def in_order(self):
        return [self[key] for key in self.order.values()]

    def remove(self, name):
        raise ImmutableDocument("a deposited document is never removed")


#: Facts fixed at deposit.
_FIXED = frozenset({
    "id", "title", "filename", "content_type", "size", "sha256", "depositor_id", "party_id", "nature",
    "number", "version", "previous_id", "deposited_at", "blob", "file_id", "segment_size", "wrapped_key",
    "key_label", "receipts",
})
#: Added later, once each.
_ONCE = frozenset({"withdrawal", "superseded_by", "__parent__", "__name__"})


class Document(Persistent):
    """One deposited file: its facts, its sealed bytes, and what followed."""

    __parent__ = None
    __name__ = None
    withdrawal: Withdrawal | None = None
    superseded_by: str | None = None
    _sealed = False

    def __init__(self, *, id, title, filename, content_type, size, sha256, depositor_id, party_id, nature,
                 number, version, previous_id, deposited_at, blob, file_id, segment_size, wrapped_key, key_label):
        self.id = id
        self.title = title
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256
        self.depositor_id = depositor_id
        self.party_id = party_id
        self.nature = Nature(nature)
        self.number = number
        self.version = version
        self.previous_id = previous_id
        self.deposited_at = deposited_at
        self.blob = blob
        self.file_id = file_id
        self.segment_size = segment_size
        self.wrapped_key = wrapped_key
        self.key_label = key_label
        self.receipts = OOBTree()  # account id -> Receipt
        self._sealed = True

    def __setattr__(self, name, value):
        if not name.startswith(("_p_", "_v_")) and self._sealed:
            if name in _FIXED or name == "_sealed":
                raise ImmutableDocument(f"a deposited document's {name} never changes")
            if name in _ONCE and getattr(self, name) is not None:
                raise ImmutableDocument(f"a deposited document's {name} is set once")
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if self._sealed and not name.startswith(("_p_", "_v_")):
            raise ImmutableDocument(f"a deposited document's {name} never changes")
        super().__delattr__(name)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawal is not None

    @property
    def current(self) -> bool:
        """Not replaced by a newer version."""
        return self.superseded_by is None
