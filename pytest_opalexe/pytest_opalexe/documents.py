"""Documents in tests: an application that takes deposits, and a client
speaking the upload protocol (tus 1.0.0, ``opalexe_core/views/uploads.py``).

* ``document_token`` — the ``softhsm_token`` with the documents' master key
  created in it, as ``opalexe init`` does.
* ``documents_app`` — the application with the demo data on each storage,
  its token and an uploads folder of the test's own; its notification mails
  are kept by a ``pyramid_mailer`` ``DummyMailer``
  (``app.registry.opalexe_notifier.mailer.outbox``) unless the test points
  ``mail.*`` at the ``mail_sink``.

:func:`deposit` sends a file through the protocol with a WebTest client and
deposits it, as the folder page's script does.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass

import pytest
from pyramid_mailer.mailer import DummyMailer

from opalexe_core.keystore import KeyStore, PKCS11Settings
from opalexe_core.services.keys import ensure_master_key

from .web import close_app, make_app, test_settings, token_settings

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def document_token(softhsm_token):
    """``softhsm_token`` holding the documents' master key."""
    ensure_master_key(KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label, softhsm_token.pin)))
    return softhsm_token


def documents_settings(uri: str, token, uploads_dir, **overrides) -> dict:
    """:func:`~.web.test_settings` of an application that takes deposits."""
    return test_settings(uri, **token_settings(token), **{"opalexe.uploads.dir": str(uploads_dir)}, **overrides)


@pytest.fixture
def documents_app(storage, document_token, tmp_path):
    """The application with the demo data, taking deposits, on each storage."""
    application = make_app(documents_settings(storage.uri, document_token, tmp_path / "uploads"))
    application.registry.opalexe_notifier.mailer = DummyMailer()
    yield application
    close_app(application)


def csrf_token(client) -> str:
    """The session's CSRF token, read from a page as the script reads it."""
    page = client.get("/notifications")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def metadata(**values) -> str:
    """tus ``Upload-Metadata``: ``key base64(value)`` pairs."""
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items() if value)


@dataclass
class Sent:
    """An upload sent: its address, and the deposit's answer (or the refusal)."""

    location: str
    answer: object


def start(client, folder_url: str, length: int, filename: str, csrf: str, status: int | str = 201, **meta):
    """``POST <folder>/televersements``: the answer (its ``Location`` on success)."""
    return client.post(folder_url.rstrip("/") + "/televersements", b"", status=status,
                       headers={**TUS, "Upload-Length": str(length), "X-CSRF-Token": csrf,
                                "Upload-Metadata": metadata(filename=filename, **meta)})


def patch(client, location: str, offset: int, chunk: bytes, csrf: str, status: int | str = 204):
    return client.patch(location, chunk, status=status,
                        headers={**TUS, "Upload-Offset": str(offset), "X-CSRF-Token": csrf,
                                 "Content-Type": "application/offset+octet-stream"})


def deposit(client, folder_url: str, data: bytes, filename: str, *, chunk_size: int = 1024 * 1024,
            status: int | str = 200, csrf: str | None = None, **meta) -> Sent:
    """Upload ``data`` as ``filename`` into the folder at ``folder_url`` in
    chunks of ``chunk_size``, then deposit it; the deposit's answer (JSON:
    ``title``, ``url``, ``sha256``, ``id``) is checked against ``status``."""
    csrf = csrf or csrf_token(client)
    location = start(client, folder_url, len(data), filename, csrf, **meta).headers["Location"]
    offset = 0
    while offset < len(data):
        answer = patch(client, location, offset, data[offset:offset + chunk_size], csrf)
        offset = int(answer.headers["Upload-Offset"])
    answer = client.post(location + "/depot", b"", headers={"X-CSRF-Token": csrf}, status=status)
    return Sent(location, answer)


def tamper(path, action: str, segment_size: int = 1024 * 1024) -> None:
    """Alter a sealed file in place: ``flip`` one byte of its second segment,
    ``swap`` its first two segments, ``truncate`` its last byte."""
    from opalexe_core.services.sealing import HEADER_SIZE, OVERHEAD

    os.chmod(path, 0o600)  # ZODB makes committed blobs read-only
    with open(path, "r+b") as sealed:
        if action == "flip":
            sealed.seek(HEADER_SIZE + segment_size + OVERHEAD + 100)
            byte = sealed.read(1)
            sealed.seek(-1, 1)
            sealed.write(bytes([byte[0] ^ 0x01]))
        elif action == "swap":
            stride = segment_size + OVERHEAD
            sealed.seek(HEADER_SIZE)
            first, second = sealed.read(stride), sealed.read(stride)
            sealed.seek(HEADER_SIZE)
            sealed.write(second + first)
        elif action == "truncate":
            sealed.truncate(sealed.seek(0, 2) - 1)
        else:
            raise ValueError(action)


__all__ = ["DummyMailer", "deposit", "document_token", "documents_app", "documents_settings", "tamper"]
