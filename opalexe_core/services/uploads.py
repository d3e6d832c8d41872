"""Resumable uploads: a file arrives in chunks, encrypted as it comes, and
waits in the uploads folder until it is deposited.

The HTTP side is the tus protocol (:mod:`opalexe_core.views.uploads`); this
module knows nothing of HTTP. An upload is a folder of
``opalexe.uploads.dir`` (shared by the processes of a host), named by an
unguessable id:

``upload.json``
    who uploads what where (:class:`Upload`), the document key wrapped by
    the master key, and the file id of the future sealed document.
``data``
    the sealed document being written (:mod:`.sealing`): its header, then
    every complete segment. At the end it *is* the document's ciphertext, and
    becomes its blob without being rewritten.
``state``
    how far ``data`` is committed, and the plaintext received beyond the
    last complete segment (the *tail*), itself encrypted with the document
    key. Replaced atomically at the end of each chunk: a chunk cut by a crash
    leaves the previous state, and ``data`` is cut back to it.

Nothing plaintext is ever written to disk. Memory stays flat: a chunk is read
from the request one segment at a time.

The SHA-256 of the plaintext is computed on the way in. A running hash cannot
be saved to disk with Python's hashlib, so each process keeps it in memory
between the chunks of an upload (nginx sends every chunk of one upload to the
same process: ``hash $uri`` in ``etc/nginx/opalexe.conf``); a process that
did not see the beginning (a restart, another process) rebuilds it once from
the sealed data, and goes on from there.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import struct
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..keystore import KeyStore
from . import keys
from .sealing import (
    HEADER_SIZE,
    NONCE_SIZE,
    OVERHEAD,
    SEGMENT_SIZE,
    Header,
    IntegrityError,
    Opener,
    Sealer,
    new_document_key,
    new_file_id,
)

log = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
_STATE = struct.Struct(">QI")
READ_BLOCK = 1024 * 1024


class UploadError(Exception):
    """The upload cannot take this chunk (``reason``: ``offset``, ``too_long``,
    ``incomplete_body``); nothing was written."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    """One upload: who sends what where, and the key of the document it makes."""

    id: str
    account_id: str
    expertise_id: str
    folder_path: tuple[str, ...]
    filename: str
    length: int
    created_at: datetime
    nature: str
    replaces: str | None
    wrapped_key: bytes
    key_label: str
    file_id: bytes
    segment_size: int = SEGMENT_SIZE
    content_type: str = ""

    @property
    def header(self) -> Header:
        return Header(self.segment_size, self.length, self.file_id)

    def to_json(self) -> str:
        data = asdict(self)
        data.update(created_at=self.created_at.isoformat(), wrapped_key=base64.b64encode(self.wrapped_key).decode(),
                    file_id=self.file_id.hex(), folder_path=list(self.folder_path))
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Upload:
        data = json.loads(text)
        data.update(created_at=datetime.fromisoformat(data["created_at"]),
                    wrapped_key=base64.b64decode(data["wrapped_key"]), file_id=bytes.fromhex(data["file_id"]),
                    folder_path=tuple(data["folder_path"]))
        return cls(**data)


@dataclass
class _Progress:
    """What one process remembers of an upload between its chunks."""

    offset: int
    sha256: object
    key: bytes


class UploadSpool:
    """The uploads folder of the host; ``store`` is the platform's token."""

    #: upload id -> _Progress, for every UploadSpool of the process
    _progress: dict[str, _Progress] = {}
    _progress_lock = threading.Lock()

    def __init__(self, directory: str, store: KeyStore | None):
        self.directory = directory
        self.store = store

    # -- paths and locks -----------------------------------------------------------------

    def _path(self, upload_id: str, name: str = "") -> str:
        if not _ID.match(upload_id or ""):
            raise KeyError(upload_id)
        return os.path.join(self.directory, upload_id, name)

    @contextmanager
    def _locked(self, upload_id: str):
        """The upload's lock, across the processes of the host."""
        with open(self._path(upload_id, "lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def _write_atomically(path: str, data: bytes) -> None:
        temporary = f"{path}.{secrets.token_hex(4)}"
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)

    # -- creation and reading --------------------------------------------------------------

    def create(self, *, account_id: str, expertise_id: str, folder_path: tuple[str, ...], filename: str,
               length: int, nature: str, replaces: str | None, now: datetime) -> Upload:
        """A new, empty upload with its own document key (wrapped by the token)."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        key, file_id = new_document_key(), new_file_id()
        upload = Upload(
            id=secrets.token_urlsafe(24), account_id=account_id, expertise_id=expertise_id,
            folder_path=tuple(folder_path), filename=filename, length=length, created_at=now, nature=nature,
            replaces=replaces, wrapped_key=keys.wrap_key(self.store, key, file_id), key_label=keys.MASTER_KEY_LABEL,
            file_id=file_id,
        )
        os.mkdir(self._path(upload.id), 0o700)
        with open(self._path(upload.id, "data"), "wb") as data:
            data.write(upload.header.pack())
        self._write_atomically(self._path(upload.id, "state"), _STATE.pack(HEADER_SIZE, 0))
        self._write_atomically(self._path(upload.id, "upload.json"), upload.to_json().encode())
        self._remember(upload.id, _Progress(0, hashlib.sha256(), key))
        return upload

    def get(self, upload_id: str) -> Upload | None:
        try:
            with open(self._path(upload_id, "upload.json"), "rb") as file:
                return Upload.from_json(file.read().decode())
        except (KeyError, OSError, ValueError):
            return None

    def data_path(self, upload: Upload) -> str:
        return self._path(upload.id, "data")

    def _set_content_type(self, upload: Upload, content_type: str) -> Upload:
        upload = replace(upload, content_type=content_type)
        self._write_atomically(self._path(upload.id, "upload.json"), upload.to_json().encode())
        return upload

    def _state(self, upload: Upload) -> tuple[int, bytes]:
        """(committed length of ``data``, sealed tail)."""
        with open(self._path(upload.id, "state"), "rb") as file:
            raw = file.read()
        committed, tail_length = _STATE.unpack_from(raw)
        return committed, raw[_STATE.size:_STATE.size + tail_length]

    def offset(self, upload: Upload) -> int:
        """How many bytes of the file were received."""
        committed, tail = self._state(upload)
        if committed == upload.header.sealed_size:
            return upload.length
        segments = (committed - HEADER_SIZE) // (upload.segment_size + OVERHEAD)
        return segments * upload.segment_size + (len(tail) - OVERHEAD if tail else 0)

    # -- keys and the running hash ---------------------------------------------------------

    def key(self, upload: Upload) -> bytes:
        progress = self._progress.get(upload.id)
        if progress is not None:
            return progress.key
        return keys.unwrap_key(self.store, upload.wrapped_key, upload.file_id, upload.key_label)

    def _remember(self, upload_id: str, progress: _Progress | None) -> None:
        with self._progress_lock:
            if progress is None:
                self._progress.pop(upload_id, None)
            else:
                self._progress[upload_id] = progress

    def _tail_aead(self, key: bytes, upload: Upload, first_segment: int) -> tuple[AESGCM, bytes]:
        return AESGCM(key), b"tail" + upload.header.pack() + struct.pack(">Q", first_segment)

    def _open_tail(self, upload: Upload, key: bytes, committed: int, sealed_tail: bytes) -> bytes:
        if not sealed_tail:
            return b""
        index = (committed - HEADER_SIZE) // (upload.segment_size + OVERHEAD)
        aead, associated = self._tail_aead(key, upload, index)
        try:
            return aead.decrypt(sealed_tail[:NONCE_SIZE], sealed_tail[NONCE_SIZE:], associated)
        except InvalidTag:
            raise IntegrityError(f"upload {upload.id}: its tail does not authenticate") from None

    def _progress_at(self, upload: Upload, offset: int) -> _Progress:
        """The running hash at ``offset``: this process's, or rebuilt from the
        sealed data (another process received the previous chunks)."""
        progress = self._progress.get(upload.id)
        if progress is not None and progress.offset == offset:
            return progress
        key = self.key(upload)
        committed, sealed_tail = self._state(upload)
        sha256 = hashlib.sha256()
        opener = Opener(key, upload.header)
        complete = (committed - HEADER_SIZE) // (upload.segment_size + OVERHEAD)
        if committed == upload.header.sealed_size:
            complete = upload.header.count
        with open(self.data_path(upload), "rb") as data:
            for index in range(complete):
                data.seek(upload.header.offset(index))
                sha256.update(opener.open(index, data.read(upload.header.plain_size(index) + OVERHEAD)))
        sha256.update(self._open_tail(upload, key, committed, sealed_tail))
        log.info("upload %s: running hash rebuilt at %d bytes", upload.id, offset)
        return _Progress(offset, sha256, key)

    # -- receiving ---------------------------------------------------------------------------

    def append(self, upload: Upload, offset: int, read: Callable[[int], bytes], length: int,
               check_head: Callable[[bytes], str] | None = None) -> int:
        """Receive ``length`` bytes at ``offset`` from ``read(n)`` (a request
        body); returns the new offset. ``check_head(first bytes)`` is called
        on the beginning of the file before anything is written (a refused
        format writes nothing) and returns its sniffed content type.
        :class:`UploadError` when ``offset`` is not where the upload stands,
        the bytes go past its length or the body ends early."""
        with self._locked(upload.id):
            current = self.offset(upload)
            if offset != current:
                raise UploadError("offset", f"the upload is at {current}, not {offset}")
            if offset + length > upload.length:
                raise UploadError("too_long", f"{offset} + {length} goes past the length {upload.length}")
            progress = self._progress_at(upload, current)
            committed, sealed_tail = self._state(upload)
            pending = bytearray(self._open_tail(upload, progress.key, committed, sealed_tail))
            header = upload.header
            sealer = Sealer(progress.key, header)
            index = (committed - HEADER_SIZE) // (upload.segment_size + OVERHEAD)
            sha256 = progress.sha256.copy()
            remaining = length
            first = offset == 0
            with open(self.data_path(upload), "r+b") as data:
                data.truncate(committed)  # what a chunk cut by a crash left
                data.seek(committed)
                while remaining:
                    block = read(min(READ_BLOCK, remaining))
                    if not block:
                        raise UploadError("incomplete_body", "the request body ended early")
                    if first and check_head is not None:
                        first = False
                        upload = self._set_content_type(upload, check_head(block))
                    remaining -= len(block)
                    sha256.update(block)
                    pending += block
                    while index < header.count and len(pending) >= header.plain_size(index):
                        size = header.plain_size(index)
                        data.write(sealer.seal(index, bytes(pending[:size])))
                        del pending[:size]
                        index += 1
                data.flush()
                os.fsync(data.fileno())
                committed = data.tell()
            if pending:
                aead, associated = self._tail_aead(progress.key, upload, index)
                nonce = os.urandom(NONCE_SIZE)
                sealed_tail = nonce + aead.encrypt(nonce, bytes(pending), associated)
            else:
                sealed_tail = b""
            self._write_atomically(self._path(upload.id, "state"),
                                   _STATE.pack(committed, len(sealed_tail)) + sealed_tail)
            new_offset = offset + length
            self._remember(upload.id, _Progress(new_offset, sha256, progress.key))
            return new_offset

    def first_bytes(self, upload: Upload, count: int) -> bytes:
        """The first ``count`` plaintext bytes received (at most one segment)."""
        key = self.key(upload)
        committed, sealed_tail = self._state(upload)
        if committed > HEADER_SIZE:
            with open(self.data_path(upload), "rb") as data:
                data.seek(HEADER_SIZE)
                head = Opener(key, upload.header).open(0, data.read(upload.header.plain_size(0) + OVERHEAD))
        else:
            head = self._open_tail(upload, key, committed, sealed_tail)
        return head[:count]

    def finish(self, upload: Upload) -> tuple[str, bytes]:
        """(SHA-256 of the plaintext, the document key) of a complete upload."""
        with self._locked(upload.id):
            if self.offset(upload) != upload.length:
                raise UploadError("incomplete", "the upload is not complete")
            if os.path.getsize(self.data_path(upload)) != upload.header.sealed_size:
                raise IntegrityError(f"upload {upload.id}: its sealed data has the wrong length")
            progress = self._progress_at(upload, upload.length)
            return progress.sha256.hexdigest(), progress.key

    # -- the end of an upload ------------------------------------------------------------------

    def remove(self, upload_id: str) -> None:
        self._remember(upload_id, None)
        try:
            shutil.rmtree(self._path(upload_id))
        except (KeyError, FileNotFoundError):
            pass

    def purge(self, now: datetime, expiry: timedelta) -> list[str]:
        """Remove the uploads left alone longer than ``expiry``; their ids."""
        removed = []
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return removed
        for name in names:
            if not _ID.match(name):
                continue
            try:
                last = datetime.fromtimestamp(os.stat(self._path(name)).st_mtime, now.tzinfo)
                state = self._path(name, "state")
                if os.path.exists(state):
                    last = max(last, datetime.fromtimestamp(os.stat(state).st_mtime, now.tzinfo))
            except FileNotFoundError:
                continue
            if now - last >= expiry:
                self.remove(name)
                removed.append(name)
        if removed:
            log.info("uploads: %d expired upload(s) removed", len(removed))
        return removed
