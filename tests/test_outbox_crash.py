"""The outbox keeps what a killed server committed and delivers it once
after the restart.

The real server (``pserve`` + waitress) runs in a child process with a
test-only plugin (:mod:`pytest_opalexe.event_log`, installed as a
distribution in a temporary directory on its ``PYTHONPATH``) that appends
each event it receives to a file, with fsync.

First run: ``opalexe.outbox.inline = false`` and ``sweep_seconds = 0``, so
the process delivers nothing at all (no delivery after commit, no sweeper
thread; a long ``sweep_seconds`` would not do: with inline delivery off, each
commit wakes the sweeper). The administrator logs in and creates accounts;
each creation is acknowledged (302) after its commit. The server is then
killed (SIGKILL): every event it committed is still waiting in the outbox,
none was delivered.

Second run, delivery on (inline, and a sweeper that sweeps at start): each
event of the first run reaches the plugin exactly once, the outbox empties,
and a change made after the restart is delivered once as well.
"""

from __future__ import annotations

import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from opalexe_core.api import AccountCreated, ActorFacts, AuthMethod, LoginOpened, SiteSettingsChanged
from opalexe_core.resources.root import get_root
from opalexe_core.services.demo import demo_email
from opalexe_core.storage import open_db, opened
from pytest_opalexe import web  # not `import test_settings`: pytest would collect it
from pytest_opalexe.event_log import EventLog
from pytest_opalexe.pserve import ServerProcess, server_env

CHANGES_BEFORE_KILL = 4
REQUEST_SECONDS = 10
DELIVERY_SECONDS = 60
DOMAIN = "outbox.opalexe.test"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the acknowledgement


class Browser:
    """A browser's session on the server: cookies kept, redirects not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=REQUEST_SECONDS) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict) -> int:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get("/connexion/demo")).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        try:
            with self.opener.open(self.base_url + path, body, timeout=REQUEST_SECONDS) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def log_in(self, key: str) -> None:
        assert self.post("/authentification/demo", {"email": demo_email(key)}) == 302
        self.get("/comptes/")  # an error unless logged in as the administrator

    def create_account(self, email: str) -> int:
        return self.post("/comptes/", {"first_name": "Client", "last_name": email.split("@")[0], "email": email,
                                       "profile": "expert", "submit": "submit"})


def pending_events(uri: str) -> list:
    db = open_db(uri)
    try:
        with opened(db) as (zodb_root, _manager):
            outbox = get_root(zodb_root).outbox
            return [outbox.get(key).event for key in outbox.keys()]
    finally:
        db.close()


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.slow  # two server processes per storage, a kill and a restart
def test_events_committed_before_a_kill_are_delivered_exactly_once_after_the_restart(durable_storage, tmp_path):
    storage = durable_storage
    web.init_platform(storage.uri)
    log = EventLog(tmp_path / "event-log")
    plugin_env = log.install()
    held = web.test_settings(storage.uri, **{"opalexe.outbox.inline": "false", "opalexe.outbox.sweep_seconds": "0"})
    server = ServerProcess.from_settings(tmp_path / "run1", held,
                                         {**server_env(storage.env, tmp_path / "run1"), **plugin_env})
    emails = [f"avant{number}@{DOMAIN}" for number in range(CHANGES_BEFORE_KILL)]
    try:
        server.start()
        admin = Browser(server.url)
        admin.log_in("admin")
        answers = [admin.create_account(email) for email in emails]
        delivered_before_kill = log.received()
        server.kill()
        exit_status = server.wait(timeout=0)
    finally:
        server.kill()

    assert answers == [302] * len(emails), server.log()
    assert exit_status == -signal.SIGKILL
    assert delivered_before_kill == []  # the first run delivered nothing
    waiting = pending_events(storage.uri)
    created = {event.email: event.id for event in waiting if isinstance(event, AccountCreated)}
    assert sorted(created) == sorted(emails), "an acknowledged change's event is not in the outbox"
    assert any(isinstance(event, LoginOpened) for event in waiting)  # the administrator's login

    settings = web.test_settings(storage.uri, **{"opalexe.outbox.inline": "true",
                                                 "opalexe.outbox.sweep_seconds": "1"})
    again = ServerProcess.from_settings(tmp_path / "run2", settings,
                                        {**server_env(storage.env, tmp_path / "run2"), **plugin_env})
    try:
        again.start()
        swept = wait_for(lambda: {event.id for event in waiting} <= {r["id"] for r in log.received()},
                         DELIVERY_SECONDS)
        after = Browser(again.url)
        after.log_in("admin")
        late = after.create_account(f"apres@{DOMAIN}")
    finally:
        again.stop()

    assert swept, (log.received(), again.log())
    assert late == 302
    received = log.received()
    times = Counter(record["id"] for record in received)
    assert [event_id for event_id, count in times.items() if count > 1] == [], "an event delivered twice"
    assert all(times[event.id] == 1 for event in waiting)
    assert all(record["pid"] == again.process.pid for record in received)
    late_ones = [record for record in received if record["email"] == f"apres@{DOMAIN}"]
    assert [record["kind"] for record in late_ones] == [AccountCreated.kind]  # delivered once, after its commit
    assert pending_events(storage.uri) == []  # nothing left to deliver again


def test_the_event_log_plugin_counts_what_it_receives(tmp_path, monkeypatch):
    """The witness of the test above: each delivery is one line, kept."""
    from pytest_opalexe import event_log

    log = EventLog(tmp_path)
    monkeypatch.setenv(event_log.ENV_FILE, str(log.path))
    event = SiteSettingsChanged(at=datetime.now(UTC), actor=ActorFacts(account_id=None, auth_method=AuthMethod.CLI),
                                object_path=("parametres",), platform_name="P", contact_email="")
    event_log.opalexe_event_committed(event)
    event_log.opalexe_event_committed(event)
    assert [record["id"] for record in log.received()] == [event.id, event.id]
    site = Path(log.install()["PYTHONPATH"].split(":")[0])
    entry_points = next(site.glob("*.dist-info")) / "entry_points.txt"
    assert entry_points.read_text() == "[opalexe]\nevent_log = pytest_opalexe.event_log\n"
