"""Documents at rest: AES-256-GCM in fixed-size segments, each with its own
nonce and tag, the order of the segments authenticated.

A sealed document (the ciphertext a ZODB blob holds) is::

    header  = b"OPXSEAL1" | segment size (u32) | plaintext size (u64) | file id (12 bytes)
    segment = nonce (12 bytes) | ciphertext | GCM tag (16 bytes)     × count

Every segment holds ``segment size`` bytes of plaintext but the last, which
holds the rest (a file of 0 bytes is one empty segment). Each segment's
associated data is the whole header, the segment's index (u64) and a flag
saying whether it is the last one: a segment moved to another place, to
another document, or made the last by cutting the file, no longer
authenticates, and the header itself cannot be altered. The sealed length
follows from the plaintext size, so a cut or a padded file is refused before
any byte is served. (The construction is the STREAM scheme of Hoang,
Reyhanitabar, Rogaway and Vizár, with the nonce stored rather than derived.)

Each document has its own key (:func:`new_document_key`), kept only wrapped
by the platform's master key (:mod:`opalexe_core.services.keys`). Nonces are
random: with one key per document and at most a few thousand segments a
document, they never repeat.

Reading decrypts one segment at a time: memory stays flat whatever the size,
and a byte range decrypts only the segments it covers.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

MAGIC = b"OPXSEAL1"
_HEADER = struct.Struct(">8sIQ12s")
HEADER_SIZE = _HEADER.size  # 32
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = NONCE_SIZE + TAG_SIZE
#: Plaintext bytes per segment.
SEGMENT_SIZE = 1024 * 1024
KEY_SIZE = 32


class IntegrityError(Exception):
    """The stored ciphertext is not what was sealed: a byte changed, segments
    moved, the file cut or padded. ``segment`` is the first segment found bad
    (``None``: the file's length or header)."""

    def __init__(self, message: str, segment: int | None = None):
        super().__init__(message)
        self.segment = segment


def new_document_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def new_file_id() -> bytes:
    return os.urandom(12)


def segment_count(size: int, segment_size: int = SEGMENT_SIZE) -> int:
    return max(1, -(-size // segment_size))


def sealed_size(size: int, segment_size: int = SEGMENT_SIZE) -> int:
    """The length of the sealed file of ``size`` plaintext bytes."""
    return HEADER_SIZE + segment_count(size, segment_size) * OVERHEAD + size


def segment_plain_size(index: int, size: int, segment_size: int = SEGMENT_SIZE) -> int:
    last = segment_count(size, segment_size) - 1
    return segment_size if index < last else size - last * segment_size


@dataclass(frozen=True)
class Header:
    """The first bytes of a sealed file."""

    segment_size: int
    size: int
    file_id: bytes

    def pack(self) -> bytes:
        return _HEADER.pack(MAGIC, self.segment_size, self.size, self.file_id)

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        if len(data) != HEADER_SIZE:
            raise IntegrityError("the sealed file is shorter than its header")
        magic, segment_size, size, file_id = _HEADER.unpack(data)
        if magic != MAGIC or segment_size <= 0:
            raise IntegrityError("the sealed file does not begin with a sealed document's header")
        return cls(segment_size, size, file_id)

    @property
    def count(self) -> int:
        return segment_count(self.size, self.segment_size)

    @property
    def sealed_size(self) -> int:
        return sealed_size(self.size, self.segment_size)

    def offset(self, index: int) -> int:
        """Where segment ``index`` begins in the sealed file."""
        return HEADER_SIZE + index * (self.segment_size + OVERHEAD)

    def plain_size(self, index: int) -> int:
        return segment_plain_size(index, self.size, self.segment_size)

    def associated_data(self, index: int) -> bytes:
        return self.pack() + struct.pack(">QB", index, index == self.count - 1)


class Sealer:
    """Seals the segments of one document, in any order."""

    def __init__(self, key: bytes, header: Header):
        self._aead = AESGCM(key)
        self.header = header

    def seal(self, index: int, plaintext: bytes) -> bytes:
        if len(plaintext) != self.header.plain_size(index):
            raise ValueError(f"segment {index} must hold {self.header.plain_size(index)} bytes, not {len(plaintext)}")
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, plaintext, self.header.associated_data(index))


class Opener:
    """Opens the segments of one sealed document."""

    def __init__(self, key: bytes, header: Header):
        self._aead = AESGCM(key)
        self.header = header

    def open(self, index: int, sealed: bytes) -> bytes:
        expected = self.header.plain_size(index) + OVERHEAD
        if len(sealed) != expected:
            raise IntegrityError(f"segment {index} is {len(sealed)} bytes long instead of {expected}", index)
        try:
            return self._aead.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], self.header.associated_data(index))
        except InvalidTag:
            raise IntegrityError(f"segment {index} does not authenticate (altered, moved or from another file)",
                                 index) from None


def read_header(fileobj, expected_size: int | None = None, expected_file_id: bytes | None = None) -> Header:
    """The header of the sealed file ``fileobj`` (seekable), once its length
    matches it and, when given, the size and file id the document records."""
    fileobj.seek(0)
    header = Header.unpack(fileobj.read(HEADER_SIZE))
    if expected_size is not None and header.size != expected_size:
        raise IntegrityError(f"the header says {header.size} bytes, the document {expected_size}")
    if expected_file_id is not None and header.file_id != expected_file_id:
        raise IntegrityError("the header belongs to another file")
    length = fileobj.seek(0, os.SEEK_END)
    if length != header.sealed_size:
        raise IntegrityError(f"the sealed file is {length} bytes long instead of {header.sealed_size} (cut or padded)")
    return header


def plaintext_range(fileobj, opener: Opener, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The plaintext bytes ``start`` to ``end`` (excluded; ``None``: to the
    end) of the sealed file ``fileobj``, one segment at a time. Raises
    :class:`IntegrityError` at the first segment that does not authenticate."""
    header = opener.header
    end = header.size if end is None else min(end, header.size)
    if start >= end:
        return
    size = header.segment_size
    for index in range(start // size, (end - 1) // size + 1):
        fileobj.seek(header.offset(index))
        plain = opener.open(index, fileobj.read(header.plain_size(index) + OVERHEAD))
        first = index * size
        yield plain[max(start - first, 0): end - first]
