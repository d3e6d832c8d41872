"""50 concurrent requests journal without a conflict reaching anybody: each
connection writes its own lane, and the sequencer, running meanwhile,
writes only its own objects."""

import re
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from pyramid_retry import IBeforeRetry

from opalexe_core.journal.store import JOURNAL_KEY
from opalexe_core.journal.verify import verify
from opalexe_core.storage import opened
from pytest_opalexe.liveserver import LiveServer
from pytest_opalexe.web import browser_client, demo_login

from .helpers import Recorder, journal_db, seal

REQUESTS = 50


def test_fifty_concurrent_requests_journal_without_conflict(app):
    client = browser_client(app)
    demo_login(client, "expert")
    case = next(u for u in re.findall(r'href="([^"]+/expertises/[0-9a-f]+/)"', client.get("/").text))
    path = case.replace("http://localhost", "")
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookiejar)
    recorder = Recorder(app)
    retries = []  # pyramid_retry announces each replay of a request that conflicted
    app.registry.registerHandler(lambda event: retries.append(event), (IBeforeRetry,))
    stop = threading.Event()
    sealed = []

    def sequencer():  # sealing all along, as the production thread does
        while not stop.is_set():
            sealed.append(seal(app))

    with LiveServer(app, threads=8) as server:
        def get(_i):
            request = urllib.request.Request(server.url + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status

        thread = threading.Thread(target=sequencer)
        thread.start()
        try:
            with ThreadPoolExecutor(REQUESTS) as pool:
                statuses = list(pool.map(get, range(REQUESTS)))
        finally:
            stop.set()
            thread.join()
    assert statuses == [200] * REQUESTS
    assert retries == []  # not even a conflict retried behind the user's back
    entries = recorder.new()
    assert len(entries) == REQUESTS
    assert {(e["action"], e["outcome"], e["email"], e["path"]) for e in entries} == {
        ("page.viewed", "allowed", "expert@demo.opalexe.test", path)}
    seal(app)
    with opened(journal_db(app)) as (zodb_root, _manager):
        journal = zodb_root[JOURNAL_KEY]
        verdict = verify(journal)
        assert verdict.ok and journal.unsealed() == 0
        assert sum(1 for _k, (_s, _p, entry, _l) in journal.log.items() if entry.data["path"] == path) == REQUESTS
