"""Resumable uploads: chunks of any size, encrypted as they arrive, resumed
at the offset the upload stands at, in any process, and dropped when left."""

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta

import pytest

from opalexe_core.keystore import KeyStore, PKCS11Settings
from opalexe_core.services import keys
from opalexe_core.services.sealing import SEGMENT_SIZE, Opener, plaintext_range, read_header
from opalexe_core.services.uploads import UploadError, UploadSpool

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def spool(softhsm_token, tmp_path):
    store = KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label, softhsm_token.pin))
    keys.ensure_master_key(store)
    return UploadSpool(str(tmp_path / "uploads"), store)


def new_upload(spool, length):
    return spool.create(account_id="a1", expertise_id="e1", folder_path=("expertises", "e1", "dossiers", "f"),
                        filename="plan.pdf", length=length, nature="piece", replaces=None, now=NOW)


def send(spool, upload, data, offset, size):
    return spool.append(upload, offset, io.BytesIO(data[offset:offset + size]).read, size)


def opened(spool, upload, key):
    with open(spool.data_path(upload), "rb") as sealed:
        return b"".join(plaintext_range(sealed, Opener(key, read_header(sealed, upload.length, upload.file_id))))


def test_chunks_of_any_size_make_the_sealed_document_and_its_sha256(spool):
    data = os.urandom(3 * SEGMENT_SIZE + 4321)
    upload = new_upload(spool, len(data))
    offset = 0
    sizes = [10, SEGMENT_SIZE - 10, 700_000, SEGMENT_SIZE]
    for size in [*sizes, len(data) - sum(sizes)]:
        offset = send(spool, upload, data, offset, size)
        assert spool.offset(spool.get(upload.id)) == offset

    sha256, key = spool.finish(upload)
    assert offset == len(data) and sha256 == hashlib.sha256(data).hexdigest()
    assert opened(spool, upload, key) == data
    assert data[:4096] not in open(spool.data_path(upload), "rb").read()  # nothing in clear


def test_nothing_in_the_uploads_folder_is_in_clear(spool):
    data = b"CONFIDENTIEL " * 100_000
    upload = new_upload(spool, len(data))
    send(spool, upload, data, 0, SEGMENT_SIZE + 77)  # a tail waits, encrypted
    folder = os.path.dirname(spool.data_path(upload))
    for name in os.listdir(folder):
        assert b"CONFIDENTIEL" not in open(os.path.join(folder, name), "rb").read(), name


def test_a_chunk_at_the_wrong_offset_or_past_the_length_changes_nothing(spool):
    data = os.urandom(1000)
    upload = new_upload(spool, len(data))
    send(spool, upload, data, 0, 400)

    with pytest.raises(UploadError) as wrong:
        send(spool, upload, data, 300, 100)
    assert wrong.value.reason == "offset"
    with pytest.raises(UploadError) as long:
        spool.append(upload, 400, io.BytesIO(b"x" * 601).read, 601)
    assert long.value.reason == "too_long"
    assert spool.offset(upload) == 400
    send(spool, upload, data, 400, 600)
    assert spool.finish(upload)[0] == hashlib.sha256(data).hexdigest()


def test_a_body_that_ends_early_stores_nothing_of_it(spool):
    data = os.urandom(SEGMENT_SIZE + 500)
    upload = new_upload(spool, len(data))
    with pytest.raises(UploadError) as cut:
        spool.append(upload, 0, io.BytesIO(data[:SEGMENT_SIZE + 100]).read, SEGMENT_SIZE + 200)
    assert cut.value.reason == "incomplete_body"
    assert spool.offset(upload) == 0
    send(spool, upload, data, 0, len(data))
    assert spool.finish(upload)[0] == hashlib.sha256(data).hexdigest()


def test_another_process_resumes_the_upload_and_rebuilds_its_running_hash(spool, caplog):
    data = os.urandom(2 * SEGMENT_SIZE + 999)
    upload = new_upload(spool, len(data))
    offset = send(spool, upload, data, 0, SEGMENT_SIZE + 500)
    UploadSpool._progress.clear()  # what a process that did not see the first chunk knows

    other = UploadSpool(spool.directory, spool.store)
    with caplog.at_level("INFO"):
        offset = send(other, other.get(upload.id), data, offset, len(data) - offset)
    assert "running hash rebuilt" in caplog.text
    assert other.finish(upload)[0] == hashlib.sha256(data).hexdigest()


def test_a_chunk_cut_by_a_crash_is_dropped_when_the_next_one_comes(spool):
    data = os.urandom(3 * SEGMENT_SIZE)
    upload = new_upload(spool, len(data))
    offset = send(spool, upload, data, 0, SEGMENT_SIZE)
    with open(spool.data_path(upload), "ab") as sealed:  # a crashed chunk's half-written segment
        sealed.write(os.urandom(5000))
    assert spool.offset(upload) == offset
    send(spool, upload, data, offset, len(data) - offset)
    sha256, key = spool.finish(upload)
    assert sha256 == hashlib.sha256(data).hexdigest() and opened(spool, upload, key) == data


def test_an_upload_left_alone_expires_and_is_removed(spool):
    upload = new_upload(spool, 10)
    assert spool.purge(datetime.now(UTC) + timedelta(hours=1), timedelta(hours=24)) == []
    assert spool.purge(datetime.now(UTC) + timedelta(hours=25), timedelta(hours=24)) == [upload.id]
    assert spool.get(upload.id) is None and not os.path.exists(os.path.dirname(spool.data_path(upload)))


def test_an_unknown_or_malformed_id_is_no_upload(spool):
    assert spool.get("../../etc/passwd") is None
    assert spool.get("x" * 32) is None
