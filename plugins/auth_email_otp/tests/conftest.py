"""A platform with the demo data, the demo login (for the expert who
invites) and this plugin, sending its mail to the kit's SMTP sink."""

import re
from datetime import UTC, datetime

import argon2
import pytest

# isort: split
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, platform_of, running_app
from pytest_opalexe.web import test_settings as settings_for

# isort: split
from opalexe_auth_email_otp import state


def mail_settings(sink) -> dict:
    return {"mail.host": sink.host, "mail.port": str(sink.port), "mail.default_sender": "opalexe@example.test"}


class Site:
    """The running app, its mail sink and helpers that act as people would."""

    def __init__(self, app, sink):
        self.app = app
        self.sink = sink

    def client(self):
        return browser_client(self.app)

    def case(self, court="tj-angers"):
        with platform_of(self.app) as platform:
            return next(e.id for e in platform.root.expertises.values() if e.jurisdiction_code == court)

    def invite(self, email, *, role="intervenant", party=0, court="tj-angers", first="Camille", last="Roche",
               status=302):
        expert = self.client()
        demo_login(expert, "expert")
        case_id = self.case(court)
        form = expert.get(f"/expertises/{case_id}/inviter").forms["form"]
        form["email"], form["first_name"], form["last_name"], form["role"] = email, first, last, role
        if party is not None:
            form["party_id"] = form["party_id"].options[party + 1][0]
        return form.submit("submit", status=status)

    @staticmethod
    def body(mail) -> str:
        return mail.get_body(("plain",)).get_content()

    def mails_to(self, email):
        return [m for m in self.sink.messages if email in m["To"]]

    def wait_mails(self, count):
        return self.sink.wait_for(count)

    def password_of(self, email):
        [mail] = [m for m in self.mails_to(email) if "mot de passe" in m["Subject"].lower()
                  and "Changer" not in m["Subject"]]
        return re.search(r"^ {4}(\S{16})\r?$", self.body(mail), re.M).group(1)

    def last_code(self, email):
        codes = [m for m in self.mails_to(email) if "code" in m["Subject"].lower()]
        return re.search(r"^ {4}(\d{6})\r?$", self.body(codes[-1]), re.M).group(1)

    def log_in_with_password(self, client, email, password, status=302):
        form = client.get("/connexion/courriel").forms["form"]
        form["email"], form["password"] = email, password
        return form.submit("submit", status=status)

    def code_form(self, client):
        return client.get("/connexion/courriel").forms["form"]

    def submit_code(self, client, code):
        form = self.code_form(client)
        form["code"] = code
        return form.submit("submit")


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """argon2id with light parameters: the production ones (64 MiB, 3 passes)
    take most of a second on a shared test machine, and these tests hash
    and verify dozens of passwords. test_password_hashes checks the real ones."""
    fast = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(state, "HASHER", fast)
    monkeypatch.setattr(state, "_DUMMY_HASH", fast.hash("dummy"))


@pytest.fixture
def site(tmp_path, mail_sink):
    settings = settings_for(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", "auth_email_otp"),
                            **mail_settings(mail_sink), **{"opalexe.public_url": "http://localhost"})
    with running_app(settings) as app:
        yield Site(app, mail_sink)


class Clock:
    """The plugin's clock, moved forward by a test."""

    def __init__(self):
        self.offset = None

    def __call__(self):
        now = datetime.now(UTC)
        return now + self.offset if self.offset else now

    def forward(self, delta):
        self.offset = (self.offset or delta * 0) + delta


@pytest.fixture
def clock(monkeypatch):
    moving = Clock()
    monkeypatch.setattr(state, "now", moving)
    return moving

