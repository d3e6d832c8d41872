"""A document of exactly the configured limit (2 GiB) goes through the shipped
nginx configuration to a ``pserve`` process in chunks, survives a connection
cut in the middle, resumes, and comes back byte for byte; the server's peak
memory, read from its own counters (``VmHWM`` in ``/proc/<pid>/status``),
stays under 150 MB throughout.

The bytes are made on the fly (an AES-CTR keystream: incompressible, and
any offset can be made again), never kept in a file of the test; the server
keeps its sealed copy in the test's temporary folder, removed afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from opalexe_core.settings import Settings
from pytest_opalexe.documents import TUS, metadata
from pytest_opalexe.nginx import https_connection
from pytest_opalexe.pserve import ServerProcess
from pytest_opalexe.session import Session
from pytest_opalexe.web import file_storage_uri, init_platform, test_settings, token_settings

pytestmark = pytest.mark.slow

LIMIT = 2 * 1024**3
CHUNK = 16 * 1024 * 1024
PIECE = 1024 * 1024
PEAK_BYTES = 150 * 1000 * 1000
PUBLIC_URL = "https://opalexe.example.org"
KEY, NONCE = bytes(range(32)), bytes(12)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def generated(start: int, end: int):
    """The test file's bytes ``start`` to ``end`` (``start`` a multiple of 16),
    one piece at a time."""
    counter = (start // 16).to_bytes(4, "big")
    encryptor = Cipher(algorithms.AES(KEY), modes.CTR(NONCE + counter)).encryptor()
    position = start
    while position < end:
        size = min(PIECE, end - position)
        piece = encryptor.update(bytes(size))
        if position == 0:  # a video, as the format check will sniff it
            piece = MP4[:size] + piece[len(MP4):]
        yield piece
        position += size


def expected_sha256() -> str:
    digest = hashlib.sha256()
    for piece in generated(0, LIMIT):
        digest.update(piece)
    return digest.hexdigest()


def peak_rss(pid: int) -> int:
    """The process's peak resident memory, in bytes (``VmHWM``)."""
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status.read(), re.MULTILINE).group(1)) * 1024


@pytest.fixture
def server(tmp_path, document_token, mail_sink):
    uri = file_storage_uri(tmp_path / "var")
    settings = test_settings(uri, **token_settings(document_token), **{
        "opalexe.uploads.dir": str(tmp_path / "var" / "uploads"),
        "opalexe.proxy.unix_socket": "true",  # nginx's only way in (issue 18)
        "opalexe.public_url": PUBLIC_URL,
        "mail.host": mail_sink.host, "mail.port": str(mail_sink.port),
    })
    init_platform(uri, demo=True, disabled=Settings.from_ini(settings).plugins_disabled)
    process = ServerProcess.from_settings(tmp_path / "server", settings, dict(document_token.env),
                                          unix_socket=tmp_path / "app.sock")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_a_2_gib_document_goes_through_nginx_cut_resumed_and_comes_back_identical(
        server, nginx_in_front, nginx_certificates):
    site = nginx_in_front(server.unix_socket)
    session = Session(lambda: https_connection(site, nginx_certificates, card=False), origin=PUBLIC_URL)
    session.demo_login("avocat1")
    csrf = session.csrf_token()
    home = session.request("GET", "/").body.decode()
    case = re.search(r'href="https://opalexe\.example\.org(/expertises/[0-9a-f]+/)">[^<]*Tilleuls', home).group(1)
    folder = re.search(r'href="https://opalexe\.example\.org(' + re.escape(case) + r'dossiers/[^"]+)">Dupont<',
                       session.request("GET", case).body.decode()).group(1)
    create = [*TUS.items(), ("X-CSRF-Token", csrf), ("Upload-Metadata", metadata(filename="Visite du chantier.mp4"))]
    pid = server.process.pid
    at_start = peak_rss(pid)

    too_big = session.request("POST", folder + "televersements", [*create, ("Upload-Length", str(LIMIT + 1))], b"")
    assert too_big.status == 413 and "taille maximale autorisée (2147483648 octets, 2 Go)" in too_big.body.decode()
    created = session.request("POST", folder + "televersements", [*create, ("Upload-Length", str(LIMIT))], b"")
    assert created.status == 201, created.body
    location = created.headers["Location"].removeprefix(PUBLIC_URL)

    def chunk_headers(offset):
        return [*TUS.items(), ("X-CSRF-Token", csrf), ("Upload-Offset", str(offset)),
                ("Content-Type", "application/offset+octet-stream")]

    offset, cut_done = 0, False
    while offset < LIMIT:
        end = min(offset + CHUNK, LIMIT)
        if not cut_done and offset >= LIMIT // 2:
            # The connection drops in the middle of a chunk: nothing of it is kept.
            session.send_cut("PATCH", location, chunk_headers(offset), generated(offset, end), end - offset,
                             (end - offset) // 2)
            cut_done = True
            head = session.request("HEAD", location, list(TUS.items()))
            assert head.status == 200 and int(head.headers["Upload-Offset"]) == offset
            continue
        answer = session.request("PATCH", location, chunk_headers(offset), generated(offset, end), end - offset)
        assert answer.status == 204, answer.body
        offset = int(answer.headers["Upload-Offset"])
    deposited = session.request("POST", location + "/depot", [("X-CSRF-Token", csrf)], b"")
    assert deposited.status == 200, deposited.body
    document = json.loads(deposited.body)
    after_upload = peak_rss(pid)

    sha256 = expected_sha256()
    assert document["sha256"] == sha256 and document["title"] == "Pièce n°1 – Dupont"

    reader = Session(lambda: https_connection(site, nginx_certificates, card=False), origin=PUBLIC_URL)
    reader.demo_login("expert")
    url = document["url"].removeprefix(PUBLIC_URL)
    connection, response = reader.open("GET", url + "telecharger")
    digest, received = hashlib.sha256(), 0
    try:
        assert response.status == 200 and int(response.headers["Content-Length"]) == LIMIT
        while piece := response.read(PIECE):
            digest.update(piece)
            received += len(piece)
    finally:
        connection.close()
    assert (received, digest.hexdigest()) == (LIMIT, sha256)
    middle = reader.request("GET", url + "telecharger", [("Range", f"bytes={LIMIT // 2}-{LIMIT // 2 + 99}")])
    assert middle.status == 206 and middle.body == b"".join(generated(LIMIT // 2, LIMIT // 2 + 100))

    peak = peak_rss(pid)
    print(f"server peak RSS: {at_start / 1e6:.0f} MB at start, {after_upload / 1e6:.0f} MB after the upload, "
          f"{peak / 1e6:.0f} MB after the download")
    assert peak < PEAK_BYTES, f"peak RSS {peak / 1e6:.0f} MB"
    assert not os.listdir(os.path.join(os.path.dirname(server.workdir), "var", "uploads"))
