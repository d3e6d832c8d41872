"""Two ``pserve`` processes on one RelStorage/PostgreSQL database, as in
production: exhibits deposited at the same moment through both are numbered
without a gap nor a duplicate, and a participant downloading the same
document through both at once gets one receipt.

The numbering's counter is one record: two deposits numbered at once write
it both, the second commit conflicts, pyramid_retry runs that request again,
and it takes the next number. A request that lost every attempt answers an
error, and the client deposits again (the upload waits until deposited).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time

import pytest

from opalexe_core.resources.root import get_root
from opalexe_core.settings import Settings
from opalexe_core.storage import open_db, opened
from pytest_opalexe.documents import TUS, metadata
from pytest_opalexe.ports import LOOPBACK
from pytest_opalexe.pserve import ServerProcess, server_env
from pytest_opalexe.session import Session
from pytest_opalexe.web import init_platform, relstorage_uri, test_settings, token_settings

pytestmark = [pytest.mark.slow, pytest.mark.relstorage]

PER_PROCESS = 5
PDF = b"%PDF-1.4\n"


@pytest.fixture
def processes(tmp_path, pg_database, pg_journal_database, document_token, monkeypatch):
    uri, storage_env = relstorage_uri(pg_database, tmp_path / "blobcache", pg_journal_database)
    for key, value in storage_env.items():
        monkeypatch.setenv(key, value)
    settings = test_settings(uri, **token_settings(document_token),
                             **{"opalexe.uploads.dir": str(tmp_path / "uploads"), "mail.port": "1"})
    init_platform(uri, demo=True, disabled=Settings.from_ini(settings).plugins_disabled)
    started = []
    try:
        for number in range(2):
            workdir = tmp_path / f"process{number}"
            workdir.mkdir()
            env = {**server_env(storage_env, workdir), **document_token.env}
            started.append(ServerProcess.from_settings(workdir, settings, env).start())
        yield started, uri
    finally:
        for process in started:
            process.stop()


def session_on(process) -> Session:
    session = Session(lambda: http.client.HTTPConnection(LOOPBACK, process.port))
    session.demo_login("avocat1")
    return session


def dupont_folder(session) -> str:
    home = session.request("GET", "/").body.decode()
    case = re.search(r'href="http://[^"/]+(/expertises/[0-9a-f]+/)">[^<]*Tilleuls', home).group(1)
    return re.search(r'href="http://[^"/]+(' + re.escape(case) + r'dossiers/[^"]+)">Dupont<',
                     session.request("GET", case).body.decode()).group(1)


def uploaded(session, folder: str, csrf: str, name: str) -> str:
    """An upload of a small PDF, complete but not deposited: its address."""
    data = PDF + os.urandom(100_000)
    created = session.request("POST", folder + "televersements",
                              [*TUS.items(), ("X-CSRF-Token", csrf), ("Upload-Length", str(len(data))),
                               ("Upload-Metadata", metadata(filename=name))], b"")
    location = re.sub(r"^https?://[^/]+", "", created.headers["Location"])
    answer = session.request("PATCH", location, [*TUS.items(), ("X-CSRF-Token", csrf), ("Upload-Offset", "0"),
                                                 ("Content-Type", "application/offset+octet-stream")], data)
    assert answer.status == 204, answer.body
    return location


def test_deposits_at_the_same_moment_through_two_processes_are_numbered_once_each(processes):
    servers, uri = processes
    sessions = [session_on(server) for server in servers]
    folder = dupont_folder(sessions[0])
    tokens = [session.csrf_token() for session in sessions]
    pending = [(session, token, uploaded(session, folder, token, f"piece-{index}-{n}.pdf"))
               for index, (session, token) in enumerate(zip(sessions, tokens, strict=True))
               for n in range(PER_PROCESS)]
    start = threading.Barrier(len(pending))
    titles, failures = [], []

    def deposit(session, token, location):
        start.wait()
        for _attempt in range(10):
            answer = session.request("POST", location + "/depot", [("X-CSRF-Token", token)], b"")
            if answer.status == 200:
                titles.append(json.loads(answer.body)["title"])
                return
            failures.append(answer.status)
            time.sleep(0.2)

    threads = [threading.Thread(target=deposit, args=item) for item in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    count = 2 * PER_PROCESS
    assert sorted(titles) == sorted(f"Pièce n°{n} – Dupont" for n in range(1, count + 1)), failures
    db = open_db(uri)
    try:
        with opened(db) as (zodb_root, _manager):
            case = next(e for e in get_root(zodb_root).expertises.values() if e.jurisdiction_code == "tj-angers")
            documents = next(f for f in case.folders.values() if f.title == "Dupont").documents
            assert sorted(d.number for d in documents.values()) == list(range(1, count + 1))
            assert documents.values()[0].__parent__.__parent__.numbering.last_piece == count
    finally:
        db.close()


def test_one_participant_downloading_through_both_processes_at_once_has_one_receipt(processes):
    servers, uri = processes
    depositor = session_on(servers[0])
    folder = dupont_folder(depositor)
    token = depositor.csrf_token()
    document = json.loads(depositor.request("POST", uploaded(depositor, folder, token, "a.pdf") + "/depot",
                                            [("X-CSRF-Token", token)], b"").body)
    path = re.sub(r"^https?://[^/]+", "", document["url"]) + "telecharger"
    experts = []
    for server in servers:
        expert = Session(lambda server=server: http.client.HTTPConnection(LOOPBACK, server.port))
        expert.demo_login("expert")
        experts.append(expert)
    start = threading.Barrier(2 * len(experts))
    statuses = []

    def download(session):
        start.wait()
        statuses.append(session.request("GET", path).status)

    threads = [threading.Thread(target=download, args=(session,)) for session in experts * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 4, [server.log() for server in servers]
    db = open_db(uri)
    try:
        with opened(db) as (zodb_root, _manager):
            case = next(e for e in get_root(zodb_root).expertises.values() if e.jurisdiction_code == "tj-angers")
            documents = next(f for f in case.folders.values() if f.title == "Dupont").documents
            [stored] = documents.values()
            assert len(stored.receipts) == 1
    finally:
        db.close()
