"""Killing the server process during a write loses nothing committed.

The real server (``pserve`` + waitress, as in production) runs in a child
process on each storage. Client threads create accounts through the admin
form; once enough creations were answered, the server gets SIGKILL while
requests are still in flight. Every account whose creation was answered with
a redirect must then be in the database, the e-mail index must agree with the
accounts present, and the server must start again on the same database.
"""

from __future__ import annotations

import html.parser
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

import pytest

from opalexe_core.services.demo import demo_email
from opalexe_core.storage import open_db, opened
from pytest_opalexe import web  # not `import test_settings`: pytest would collect it
from pytest_opalexe.pserve import ServerProcess, server_env

CLIENT_THREADS = 3
SUCCESSES_BEFORE_KILL = 30
MAX_REQUESTS_PER_THREAD = 150
WRITE_PHASE_SECONDS = 20
REQUEST_SECONDS = 5
CRASH_DOMAIN = "crash.opalexe.test"


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


@dataclass
class WriteLog:
    """What the clients sent and what the server answered."""

    attempted: list = field(default_factory=list)
    succeeded: list = field(default_factory=list)
    other_answers: list = field(default_factory=list)
    in_flight: int = 0
    in_flight_at_kill: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> tuple[int, int]:
        with self.lock:
            return len(self.succeeded), self.in_flight


def _answer(client, request) -> int | str:
    """The response's status, or the error that stood for one."""
    try:
        with client.open(request, timeout=REQUEST_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code  # a 302 lands here: the opener does not follow it
    except OSError as error:  # the connection died with the server
        return repr(error)


def create_accounts(base_url: str, cookie: str, index: int, log: WriteLog, stop: threading.Event) -> None:
    """One client thread: POST the accounts form until told to stop or the
    server is gone.

    The session cookie is the one from the login, sent as is: the flash
    messages the server adds to the session on each success are not kept.
    """
    client = urllib.request.build_opener(_NoRedirect)
    form_url = base_url + "/comptes/"
    with client.open(urllib.request.Request(form_url, headers={"Cookie": cookie}), timeout=REQUEST_SECONDS) as page:
        forms = parse_forms(page.read().decode())
    csrf_token = next(form["inputs"]["csrf_token"] for form in forms if "csrf_token" in form["inputs"])
    for number in range(MAX_REQUESTS_PER_THREAD):
        if stop.is_set():
            return
        email = f"client{index}-{number}@{CRASH_DOMAIN}"
        fields = {
            "csrf_token": csrf_token,
            "first_name": "Client",
            "last_name": f"N{index}x{number}",
            "email": email,
            "profile": "expert",
            "submit": "submit",
        }
        request = urllib.request.Request(form_url, urllib.parse.urlencode(fields).encode(), headers={"Cookie": cookie})
        with log.lock:
            log.attempted.append(email)
            log.in_flight += 1
        answer = _answer(client, request)
        with log.lock:
            log.in_flight -= 1
            if answer in (302, 303):
                log.succeeded.append(email)
            else:
                log.other_answers.append(answer)
        if isinstance(answer, str):
            return  # no connection: the server is gone


def write_until_killed(server: ServerProcess, cookie: str) -> WriteLog:
    log = WriteLog()
    stop = threading.Event()
    threads = [
        threading.Thread(target=create_accounts, args=(server.url, cookie, i, log, stop), daemon=True)
        for i in range(CLIENT_THREADS)
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + WRITE_PHASE_SECONDS
        while time.monotonic() < deadline and any(t.is_alive() for t in threads):
            successes, log.in_flight_at_kill = log.count()
            if successes >= SUCCESSES_BEFORE_KILL and log.in_flight_at_kill > 0:
                break
            time.sleep(0.005)
        server.kill()  # a few microseconds later: those requests are still in flight
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_SECONDS + 5)
    return log


# -- reading the database after the crash ------------------------------------------


@dataclass
class Directory:
    """The accounts directory as read back from the storage."""

    present: dict  # e-mail -> id, from the accounts themselves
    by_email: dict  # the e-mail index
    length: int  # the container's counter
    not_found: list  # the e-mails asked for that find_by_email does not find


def read_directory(uri: str, emails: list) -> Directory:
    db = open_db(uri)  # FileStorage rebuilds a stale index by itself
    try:
        with opened(db) as (zodb_root, _):
            accounts = zodb_root["opalexe"].accounts
            return Directory(
                present={account.email: account_id for account_id, account in accounts.items()},
                by_email=dict(accounts.by_email.items()),
                length=len(accounts),
                not_found=[email for email in emails if accounts.find_by_email(email) is None],
            )
    finally:
        db.close()


@pytest.mark.slow  # a server process per storage, hundreds of writes, a kill and a restart
def test_killing_the_server_during_writes_loses_nothing_committed(storage, tmp_path):
    web.init_platform(storage.uri)
    settings = web.test_settings(storage.uri)
    server = ServerProcess.from_settings(tmp_path / "run1", settings, server_env(storage.env, tmp_path / "run1"))
    try:
        server.start()
        log = write_until_killed(server, login_as_admin(server.url))
    finally:
        server.kill()
    assert len(log.succeeded) >= SUCCESSES_BEFORE_KILL, (log.other_answers[:10], server.log())
    assert log.in_flight_at_kill > 0

    directory = read_directory(storage.uri, log.succeeded)

    assert directory.not_found == [], f"answered creations lost on {storage.kind}"
    assert directory.by_email == directory.present, "the e-mail index disagrees with the accounts present"
    assert directory.length == len(directory.present), "the container's length disagrees with its items"
    created = {email for email in directory.present if email.endswith("@" + CRASH_DOMAIN)}
    assert created <= set(log.attempted)

    again = ServerProcess.from_settings(tmp_path / "run2", settings, server_env(storage.env, tmp_path / "run2"))
    try:
        again.start()
        with urllib.request.urlopen(again.url + "/", timeout=REQUEST_SECONDS) as response:
            assert response.status == 200
    finally:
        again.stop()
