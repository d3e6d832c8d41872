"""Documents at rest: AES-256-GCM segments whose order is authenticated, and
document keys that exist outside the token only wrapped by its master key."""

import io
import os

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, ObjectClass

from opalexe_core.keystore import KeyStore, KeyStoreError, PKCS11Settings
from opalexe_core.services import keys
from opalexe_core.services.sealing import (
    HEADER_SIZE,
    OVERHEAD,
    Header,
    IntegrityError,
    Opener,
    Sealer,
    new_document_key,
    new_file_id,
    plaintext_range,
    read_header,
    sealed_size,
)
from pytest_opalexe.documents import tamper

SEGMENT = 4096  # small segments: the same code, quicker tests


def seal(data: bytes, key: bytes, segment_size: int = SEGMENT, file_id: bytes | None = None) -> bytes:
    header = Header(segment_size, len(data), file_id or new_file_id())
    sealer = Sealer(key, header)
    out = [header.pack()]
    for index in range(header.count):
        out.append(sealer.seal(index, data[index * segment_size:(index + 1) * segment_size]))
    return b"".join(out)


def open_all(sealed: bytes, key: bytes, size: int, start=0, end=None) -> bytes:
    stream = io.BytesIO(sealed)
    return b"".join(plaintext_range(stream, Opener(key, read_header(stream, size)), start, end))


@pytest.fixture
def sealed_file(tmp_path):
    data = os.urandom(3 * SEGMENT + 123)
    key = new_document_key()
    path = tmp_path / "sealed"
    path.write_bytes(seal(data, key))
    return path, data, key


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 5 * SEGMENT + 7])
def test_what_is_sealed_opens_whole_and_in_any_range(size):
    data, key = os.urandom(size), new_document_key()
    sealed = seal(data, key)

    assert len(sealed) == sealed_size(size, SEGMENT) == HEADER_SIZE + max(1, -(-size // SEGMENT)) * OVERHEAD + size
    assert open_all(sealed, key, size) == data
    for start, end in [(0, 1), (SEGMENT - 3, SEGMENT + 3), (size // 2, size), (7, 2 * SEGMENT + 11)]:
        assert open_all(sealed, key, size, start, end) == data[start:end]


def test_each_segment_has_its_own_nonce_and_the_same_bytes_never_seal_alike():
    key = new_document_key()
    data = b"\0" * (2 * SEGMENT)
    sealed = seal(data, key)
    first = sealed[HEADER_SIZE:HEADER_SIZE + SEGMENT + OVERHEAD]
    second = sealed[HEADER_SIZE + SEGMENT + OVERHEAD:]
    assert first[:12] != second[:12] and first[12:] != second[12:]
    assert seal(data, key) != sealed


@pytest.mark.parametrize(("action", "where"), [
    ("flip", "segment 1 does not authenticate"),
    ("swap", "segment 0 does not authenticate"),
    ("truncate", "cut or padded"),
])
def test_a_flipped_byte_swapped_segments_or_a_cut_file_never_open(sealed_file, action, where):
    path, data, key = sealed_file
    tamper(path, action, SEGMENT)

    with pytest.raises(IntegrityError, match=where):
        open_all(path.read_bytes(), key, len(data))


def test_dropping_a_middle_segment_or_making_an_earlier_one_the_last_is_refused(sealed_file):
    path, data, key = sealed_file
    sealed = path.read_bytes()
    stride = SEGMENT + OVERHEAD
    header = sealed[:HEADER_SIZE]
    segments = [sealed[HEADER_SIZE + i * stride:HEADER_SIZE + (i + 1) * stride] for i in range(4)]

    dropped = header + segments[0] + segments[2] + segments[3]
    with pytest.raises(IntegrityError, match="cut or padded"):
        open_all(dropped, key, len(data))
    # The file cut after its second segment, with a header rewritten to say
    # so: every segment authenticates the header it was sealed with.
    shorter = Header(SEGMENT, 2 * SEGMENT, Header.unpack(header).file_id).pack()
    with pytest.raises(IntegrityError, match="segment 0 does not authenticate"):
        open_all(shorter + segments[0] + segments[1], key, 2 * SEGMENT)


def test_a_segment_of_another_document_or_another_key_does_not_open(sealed_file):
    path, data, key = sealed_file
    other = seal(data, key)  # same key, same bytes, another file id
    sealed = path.read_bytes()
    mixed = sealed[:HEADER_SIZE + SEGMENT + OVERHEAD] + other[HEADER_SIZE + SEGMENT + OVERHEAD:]
    with pytest.raises(IntegrityError, match="segment 1"):
        open_all(mixed, key, len(data))
    with pytest.raises(IntegrityError, match="segment 0"):
        open_all(sealed, new_document_key(), len(data))


def test_a_header_that_lies_about_the_size_is_refused(sealed_file):
    path, data, key = sealed_file
    with pytest.raises(IntegrityError, match="the document"):
        read_header(io.BytesIO(path.read_bytes()), len(data) + 1)
    with pytest.raises(IntegrityError, match="header"):
        read_header(io.BytesIO(b"not a sealed file at all, not at all"))


def test_a_range_reads_only_the_segments_it_covers(sealed_file):
    path, data, key = sealed_file
    tamper(path, "flip", SEGMENT)  # segment 1 is bad
    stream = io.BytesIO(path.read_bytes())
    opener = Opener(key, read_header(stream, len(data)))
    assert b"".join(plaintext_range(stream, opener, 0, SEGMENT)) == data[:SEGMENT]
    assert b"".join(plaintext_range(stream, opener, 2 * SEGMENT, len(data))) == data[2 * SEGMENT:]
    with pytest.raises(IntegrityError):
        b"".join(plaintext_range(stream, opener, SEGMENT - 1, SEGMENT + 1))


# -- the master key, in the token ------------------------------------------------------------


@pytest.fixture
def store(softhsm_token):
    return KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label, softhsm_token.pin))


def test_the_master_key_is_made_once_and_never_leaves_the_token(store, softhsm_token):
    assert keys.ensure_master_key(store) is True
    assert keys.ensure_master_key(store) is False
    with softhsm_token.open_session() as session:
        [master] = session.get_objects({Attribute.LABEL: keys.MASTER_KEY_LABEL,
                                        Attribute.CLASS: ObjectClass.SECRET_KEY})
        assert master.key_type == KeyType.AES and master[Attribute.VALUE_LEN] == 32
        assert master[Attribute.SENSITIVE] is True and master[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.PKCS11Error):
            master[Attribute.VALUE]


def test_a_document_key_unwraps_only_for_its_own_file(store):
    keys.ensure_master_key(store)
    key, file_id = new_document_key(), new_file_id()
    wrapped = keys.wrap_key(store, key, file_id)

    assert key not in wrapped and len(wrapped) == 12 + 32 + 16
    assert keys.unwrap_key(store, wrapped, file_id) == key
    with pytest.raises(KeyStoreError, match="refuses to unwrap"):
        keys.unwrap_key(store, wrapped, new_file_id())
    with pytest.raises(KeyStoreError, match="refuses to unwrap"):
        keys.unwrap_key(store, wrapped[:-1] + bytes([wrapped[-1] ^ 1]), file_id)


def test_without_the_master_key_nothing_is_wrapped_and_the_error_says_what_to_run(store):
    with pytest.raises(keys.MasterKeyMissing, match="run `opalexe init`"):
        keys.wrap_key(store, new_document_key(), new_file_id())
