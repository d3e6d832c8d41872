"""A crash loses no acknowledged change and leaves no change half written.

The real server (``pserve`` + waitress, as in production) runs in a child
process; client threads create accounts through the admin form, following
the forms by their action as a browser would. Two crashes:

* The server process dies inside a commit, after the storage voted and
  before it finished, on FileStorage and on RelStorage over a PostgreSQL
  that syncs its commits to disk (fsync, full_page_writes and
  synchronous_commit on). A test-only plugin does it
  (:mod:`pytest_opalexe.vote_kill`): the test installs it into the server
  process as a distribution in a temporary directory on its PYTHONPATH. On
  each POST it joins a data manager to the request's transaction whose
  ``sortKey`` sorts after the ZODB connection's. ``transaction`` sorts the
  resources of a commit by ``sortKey()`` and runs every ``tpc_vote`` before
  the first ``tpc_finish`` (``Transaction._commitResources``); a ZODB
  ``Connection``'s key is its storage's ``sortKey()`` (FileStorage: the
  file's path; RelStorage: its name, ``"RelStorage: <adapter>"``) followed by
  ``:<id>``, and the plugin's key begins with U+10FFFF, the highest code
  point. So when the plugin's ``tpc_vote`` sends SIGKILL to its own process,
  the storage has voted (FileStorage wrote the transaction to Data.fs with
  its checkpoint flag set; RelStorage locked its rows in a PostgreSQL
  transaction still open) and nothing has finished. The plugin writes down
  both keys and the killed request before dying; the test checks the order,
  that the process died of SIGKILL, that the killed request never got an
  answer, and on FileStorage that reopening set the voted transaction aside
  (``Data.fs.tr0``, flag ``c``, holding the killed account's e-mail).
* PostgreSQL dies: every one of its processes gets SIGKILL during the writes
  (RelStorage, same durable cluster). It starts again on the same data
  directory and port and recovers from its WAL; the server process survives
  and serves again.

After each crash every account whose creation was answered with a redirect
is in the database; each account present has its e-mail index entry and each
entry its account, and the container's counter agrees (a creation changes
all three in one transaction); the change killed mid-commit is not there at
all (neither storage finished it); the server serves and writes again on the
same database.
"""

from __future__ import annotations

import html.parser
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from opalexe_core.plugins import make_plugin_manager
from opalexe_core.services.demo import demo_email
from opalexe_core.storage import open_db
from pytest_opalexe import web  # not `import test_settings`: pytest would collect it
from pytest_opalexe.pserve import ServerProcess, server_env
from pytest_opalexe.vote_kill import VoteKill
from pytest_opalexe.web import open_platform

CLIENT_THREADS = 3
SUCCESSES_BEFORE_CRASH = 30
MAX_REQUESTS_PER_THREAD = 300
WRITE_PHASE_SECONDS = 30
CRASH_SECONDS = 20
REQUEST_SECONDS = 5
FAILURE_PAUSE_SECONDS = 0.05
ATTEMPTS_AFTER_RECOVERY = 20
CRASH_DOMAIN = "crash.opalexe.test"
RECOVERY_DOMAIN = "recovered.opalexe.test"


# -- a browser-like client --------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """Every form of a page: its hidden/text inputs and its buttons' data-email."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "inputs": {}, "emails": set()})
        elif self.forms and tag == "input" and attrs.get("name"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value") or ""
        elif self.forms and tag == "button" and attrs.get("data-email"):
            self.forms[-1]["emails"].add(attrs["data-email"])


def parse_forms(page: str) -> list[dict]:
    parser = FormParser()
    parser.feed(page)
    return parser.forms


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer we record


def login_as_admin(base_url: str) -> str:
    """Log in through the demo login page; returns the session's Cookie header."""
    jar = CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(base_url + "/connexion/demo", timeout=REQUEST_SECONDS) as response:
        page = response.read().decode()
    admin = demo_email("admin")
    form = next(f for f in parse_forms(page) if admin in f["emails"])
    body = urllib.parse.urlencode(form["inputs"]).encode()
    with browser.open(urllib.parse.urljoin(base_url, form["action"]), body, timeout=REQUEST_SECONDS) as response:
        assert response.status == 200  # the redirect to the home page, followed
    with browser.open(base_url + "/comptes/", timeout=REQUEST_SECONDS) as response:  # 403 unless logged in
        assert response.status == 200
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


class AccountForm:
    """The admin's account creation form, POSTed as a browser would."""

    def __init__(self, base_url: str, cookie: str):
        self.client = urllib.request.build_opener(_NoRedirect)
        self.cookie = cookie
        self.url = base_url + "/comptes/"
        page = self.client.open(urllib.request.Request(self.url, headers={"Cookie": cookie}), timeout=REQUEST_SECONDS)
        with page:
            forms = parse_forms(page.read().decode())
        self.csrf_token = next(form["inputs"]["csrf_token"] for form in forms if "csrf_token" in form["inputs"])

    def create(self, email: str) -> int | str:
        """The server's answer (a 302 when created), or the error that stood for one."""
        fields = {
            "csrf_token": self.csrf_token,
            "first_name": "Client",
            "last_name": email.split("@")[0],
            "email": email,
            "profile": "expert",
            "submit": "submit",
        }
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.url, body, headers={"Cookie": self.cookie})
        try:
            with self.client.open(request, timeout=REQUEST_SECONDS) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code  # a 302 lands here: the opener does not follow it
        except OSError as error:  # the connection died with the server
            return repr(error)


def created(answer: int | str) -> bool:
    return answer in (302, 303)


@dataclass
class WriteLog:
    """What the clients sent and what the server answered (e-mail -> answer,
    None while in flight)."""

    answers: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> list[str]:
        with self.lock:
            return [email for email, answer in self.answers.items() if created(answer)]

    def counts(self) -> tuple[int, int, int]:
        """Creations acknowledged, requests in flight, other answers."""
        with self.lock:
            answers = list(self.answers.values())
        acknowledged = sum(1 for answer in answers if created(answer))
        in_flight = answers.count(None)
        return acknowledged, in_flight, len(answers) - acknowledged - in_flight


class Writers:
    """Client threads creating accounts until the ``with`` block ends, or
    until the server is gone (no connection); what they saw is in ``log``.

    The session cookie is the one from the login, sent as is: the flash
    messages the server adds to the session on each success are not kept.
    """

    def __init__(self, base_url: str, cookie: str):
        self.base_url = base_url
        self.cookie = cookie
        self.log = WriteLog()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(i,), daemon=True) for i in range(CLIENT_THREADS)]

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_SECONDS + 5)

    def _write(self, index: int) -> None:
        form = AccountForm(self.base_url, self.cookie)
        for number in range(MAX_REQUESTS_PER_THREAD):
            if self.stop.is_set():
                return
            email = f"client{index}-{number}@{CRASH_DOMAIN}"
            with self.log.lock:
                self.log.answers[email] = None
            answer = form.create(email)
            with self.log.lock:
                self.log.answers[email] = answer
            if isinstance(answer, str):
                return  # no connection: the server is gone
            if not created(answer):
                time.sleep(FAILURE_PAUSE_SECONDS)  # an error page: the database may be gone, do not spin

    def wait_until(self, condition: Callable[[int, int, int], bool]) -> None:
        """Until ``condition(acknowledged, in_flight, other_answers)`` holds."""
        deadline = time.monotonic() + WRITE_PHASE_SECONDS
        while time.monotonic() < deadline and any(thread.is_alive() for thread in self.threads):
            if condition(*self.log.counts()):
                return
            time.sleep(0.005)
        raise AssertionError(f"the writers never got there: {self.log.counts()}, {list(self.log.answers.items())[-5:]}")


def create_account_after_recovery(base_url: str) -> list:
    """Log in and create one account; a server that lost its database may
    answer errors a few times before it reconnects. Returns the answers."""
    answers = []
    for attempt in range(ATTEMPTS_AFTER_RECOVERY):
        try:
            form = AccountForm(base_url, login_as_admin(base_url))
        except (OSError, AssertionError, StopIteration) as error:
            answers.append(repr(error))
            continue
        answers.append(form.create(f"attempt{attempt}@{RECOVERY_DOMAIN}"))
        if created(answers[-1]):
            break
    return answers


# -- reading the database after the crash ------------------------------------------


@dataclass
class Directory:
    """The accounts directory as read back from the storage."""

    present: dict  # e-mail -> id, from the accounts themselves
    by_email: dict  # the e-mail index
    length: int  # the container's counter
    not_found: list  # the e-mails asked for that find_by_email does not find


def read_directory(uri: str, emails: list) -> Directory:
    db = open_db(uri)  # FileStorage rebuilds a stale index and truncates an unfinished transaction
    try:
        with open_platform(db, make_plugin_manager()) as platform:
            accounts = platform.root.accounts
            return Directory(
                present={account.email: account_id for account_id, account in accounts.items()},
                by_email=dict(accounts.by_email.items()),
                length=len(accounts),
                not_found=[email for email in emails if accounts.find_by_email(email) is None],
            )
    finally:
        db.close()


def assert_nothing_lost_nothing_half(directory: Directory, log: WriteLog, kind: str) -> None:
    assert directory.not_found == [], f"acknowledged creations lost on {kind}"
    assert directory.by_email == directory.present, "an account without its index entry, or the reverse"
    assert directory.length == len(directory.present), "the container's counter disagrees with its items"
    ours = {email for email in directory.present if email.endswith("@" + CRASH_DOMAIN)}
    assert ours <= set(log.answers), "an account nobody asked for"


def file_storage_path(uri: str) -> Path:
    return Path(uri[len("file://") :].split("?", 1)[0])


def start_server(workdir: Path, settings: dict, env: dict) -> ServerProcess:
    return ServerProcess.from_settings(workdir, settings, env).start()


# -- the stories -------------------------------------------------------------------


@pytest.mark.slow  # a server process per storage, hundreds of writes, a kill and a restart
def test_the_server_killed_between_vote_and_finish_loses_nothing_acknowledged(durable_storage, tmp_path):
    storage = durable_storage
    web.init_platform(storage.uri)
    settings = web.test_settings(storage.uri)
    vote_kill = VoteKill(tmp_path / "vote-kill")
    server = ServerProcess.from_settings(
        tmp_path / "run1", settings, {**server_env(storage.env, tmp_path / "run1"), **vote_kill.install()}
    )
    try:
        server.start()
        with Writers(server.url, login_as_admin(server.url)) as writers:
            writers.wait_until(lambda acknowledged, in_flight, _: acknowledged >= SUCCESSES_BEFORE_CRASH)
            vote_kill.arm()  # the next commit of a POST kills the server
            exit_status = server.wait(timeout=CRASH_SECONDS)
    finally:
        server.kill()
    log = writers.log

    assert exit_status == -signal.SIGKILL, f"the server did not die of SIGKILL ({exit_status}):\n{server.log()}"
    victims = vote_kill.victims()
    assert victims, "the server died, but not in the plugin's tpc_vote"
    killed = [victim["fields"]["email"] for victim in victims]
    for victim in victims:
        assert victim["transaction_status"] == "Committing"
        assert victim["sort_key"] > victim["storage_sort_key"], "the plugin voted before the storage"
    assert all(isinstance(log.answers[email], str) for email in killed), "a killed commit was answered"
    data_fs_size = file_storage_path(storage.uri).stat().st_size if storage.kind == "filestorage" else None

    directory = read_directory(storage.uri, log.acknowledged)

    assert_nothing_lost_nothing_half(directory, log, storage.kind)
    assert set(killed).isdisjoint(directory.present), "a commit killed between vote and finish is there"
    if storage.kind == "filestorage":
        data_fs = file_storage_path(storage.uri)
        set_aside = data_fs.with_name(data_fs.name + ".tr0").read_bytes()
        assert set_aside[16:17] == b"c", "the transaction set aside is not the voted, unfinished one"
        assert killed[0].encode() in set_aside
        assert data_fs.stat().st_size == data_fs_size - len(set_aside)

    again = start_server(tmp_path / "run2", settings, server_env(storage.env, tmp_path / "run2"))
    try:
        answers = create_account_after_recovery(again.url)
    finally:
        again.stop()
    assert len(answers) == 1 and created(answers[0]), (answers, again.log())


@pytest.mark.slow  # a PostgreSQL cluster and a server process of its own, a kill, crash recovery
@pytest.mark.relstorage
@pytest.mark.parametrize("durable_storage", ["relstorage"], indirect=True)
def test_postgresql_killed_during_writes_loses_nothing_acknowledged(durable_storage, tmp_path):
    storage = durable_storage
    web.init_platform(storage.uri)
    server = start_server(tmp_path / "run", web.test_settings(storage.uri), server_env(storage.env, tmp_path / "run"))
    try:
        with Writers(server.url, login_as_admin(server.url)) as writers:
            writers.wait_until(lambda acknowledged, in_flight, _: acknowledged >= SUCCESSES_BEFORE_CRASH and in_flight)
            storage.cluster.kill()
            writers.wait_until(lambda acknowledged, in_flight, failed: failed > 0)  # the server noticed
        storage.cluster.start_again()
        survived = server.running
        answers = create_account_after_recovery(server.url)
    finally:
        server.kill()
    log = writers.log

    assert "automatic recovery in progress" in storage.cluster.log(), "PostgreSQL was not crashed"
    assert survived, f"the server died with its database:\n{server.log()}"
    assert created(answers[-1]), (answers, server.log())
    directory = read_directory(storage.uri, log.acknowledged)
    assert_nothing_lost_nothing_half(directory, log, storage.kind)
