"""The write path, route by route and service by service.

**Every state-changing route** of the application is in :data:`ROUTES`: how
to drive it once as an actor allowed to change something, and as actors who
are refused (anonymous, another profile, forged input); the domain events an
allowed change emits. The routes are discovered from Pyramid's introspection
(:func:`discover_routes`): every view that accepts POST, PUT, PATCH or DELETE,
or that names no request method, of the core and of every installed plugin.
A new one without its row fails :func:`test_every_state_changing_route_has_its_row`:
add the row (or, for a page that only reads, an entry of :data:`READS_ONLY`
with the reason, which is checked too).

Left out of the discovery, with the reason:

* exception views (error pages: they render an error raised by another view,
  whose transaction is aborted);
* static views (files of a folder);
* views limited to GET/HEAD. A GET carries no CSRF token, so no view may
  change state on GET: the language switch (``/langue``, GET) only sets the
  browser's ``_LOCALE_`` cookie and writes nothing to the database
  (:func:`test_the_language_switch_writes_nothing`); the demo login page
  (``/connexion/demo``, GET) only lists accounts, its buttons post to
  ``/authentification/demo``, which is in the table.

For each row, the allowed drive must yield exactly the row's events, in order,
as a plugin of the test receives them after commit (``opalexe_event_committed``),
and each refused drive none, with the database exactly as before (every
object reachable from the ZODB root at the same revision:
:func:`database_state`).

**Every service** of :mod:`opalexe_core.services` (a public function whose
first parameter is ``platform``) is in :data:`SERVICE_REFUSALS` (called
without the right it refuses, stores nothing, emits nothing; checked by
committing after the refusal) or in :data:`SERVICES_WITHOUT_CHANGE` with the
reason; :func:`test_every_service_has_its_refusal` fails on a new one.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import webtest
from pyramid.interfaces import IException
from pyramid.static import static_view
from ZODB.serialize import referencesf
from ZODB.utils import z64
from zope.interface.interfaces import IInterface

import opalexe_core.services
from opalexe_core.api import (
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    AccountRegistered,
    AuthenticationError,
    AuthMethod,
    DomainEvent,
    Identity,
    JournalHeadSigned,
    LoginAttempt,
    LoginClosed,
    LoginEnd,
    LoginOpened,
    ParticipantInvited,
    Role,
    SiteSettingsChanged,
    SoftwareCertificateIssued,
    SoftwareCertificateRevoked,
    TermsAccepted,
    TermsPublished,
    UserError,
    hookimpl,
)
from opalexe_core.plugins import installed_plugin_names, make_plugin_manager
from opalexe_core.services import accounts as account_services
from opalexe_core.services import auth, certificates, expertises, invitations, lawyers, site, terms
from opalexe_core.services import journal as journal_services
from opalexe_core.services.demo import demo_email
from opalexe_core.services.outbox import OutboxDispatcher
from opalexe_core.services.platform import Actor, Refused
from opalexe_core.storage import initialize, open_db, opened
from pytest_opalexe.web import (
    DEFAULT_PLUGINS,
    browser_client,
    close_app,
    demo_login,
    make_app,
    open_platform,
    platform_of,
    test_settings,
)

ANONYMOUS = "anonymous"


class Recorder:
    """A plugin of the test's own: every event delivered after commit."""

    def __init__(self):
        self.events: list[DomainEvent] = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.events.append(event)


def database_state(db) -> dict[bytes, bytes]:
    """Every object reachable from the ZODB root → the revision (tid) it was
    last written in: equal before and after exactly when nothing was stored."""
    with opened(db) as (zodb_root, _manager):
        storage = zodb_root._p_jar._storage
        state: dict[bytes, bytes] = {}
        todo = [z64]
        while todo:
            oid = todo.pop()
            if oid in state:
                continue
            data, serial = storage.load(oid)
            state[oid] = serial
            todo.extend(referencesf(data))
    return state


# -- the application a row is driven on -----------------------------------------------


class World:
    """The demo platform with a recording plugin; clients logged in as demo accounts."""

    def __init__(self, settings: dict):
        self.recorder = Recorder()
        self.app = make_app(settings, plugins={"recorder": self.recorder})
        self.db = self.app.registry._zodb_databases[""]

    def close(self):
        close_app(self.app)

    def client(self, who: str) -> webtest.TestApp:
        client = browser_client(self.app)
        if who != ANONYMOUS:
            demo_login(client, who)
        return client

    def account_id(self, key: str) -> str:
        with platform_of(self.app) as platform:
            return platform.root.accounts.find_by_email(demo_email(key)).id

    def account_url(self, key: str, view: str) -> str:
        return f"/comptes/{self.account_id(key)}/{view}"

    def account(self, key: str, read: Callable):
        with platform_of(self.app) as platform:
            return read(platform.root.accounts.find_by_email(demo_email(key)))

    def case_url(self) -> str:
        with platform_of(self.app) as platform:
            case = next(case for case in platform.root.expertises.values() if case.rg == "18/00001")
            return f"/expertises/{case.id}/"

    def folder_url(self) -> str:
        return self.case_url() + "dossiers/01-expert-greffe-parties/"

    def as_platform(self, change: Callable) -> None:
        """A change a row needs beforehand, made by the platform itself and committed."""
        with platform_of(self.app) as platform:
            change(platform, Actor.platform())
            platform.transaction.commit()

    # -- issue #19 ---------------------------------------------------------------------------

    def issue_certificate(self) -> None:
        """A software certificate of the demo intervenant, issued by the demo expert."""
        with platform_of(self.app) as platform:
            case = next(case for case in platform.root.expertises.values() if case.rg == "18/00001")
            expert = Actor(platform.root.accounts.find_by_email(demo_email("expert")), AuthMethod.DEMO)
            record, _bundle = certificates.issue_certificate(platform, expert, case, self.account_id("intervenant"),
                                                             CERTIFICATE_PASSWORD)
            platform.transaction.commit()
            self.serial = record.serial_hex

    def _email_login(self, function):
        from opalexe_core.api import PluginServices

        return PluginServices.for_registry(self.app.registry).change("auth_email_otp", function)

    def give_password(self, key: str, reset: bool = False) -> None:
        """The e-mail login's password of the demo account ``key`` (and a reset link)."""
        from opalexe_auth_email_otp import state

        account_id = self.account_id(key)
        self._email_login(lambda area: state.set_password(area, account_id, EMAIL_PASSWORD))
        if reset:
            self.reset_token = self._email_login(lambda area: state.open_reset(area, account_id, state.now()))

    def age_email_challenges(self) -> None:
        """Every code of the e-mail login sent a minute and a second ago."""
        from datetime import timedelta

        def age(area):
            challenges = area.tree("challenges")
            for key, record in list(challenges.items()):
                sends = tuple(at - timedelta(seconds=61) for at in record["sends"])
                challenges[key] = {**record, "sends": sends, "opened_at": record["opened_at"] - timedelta(seconds=61)}

        self._email_login(age)

    def email_login_records(self, tree: str) -> int:
        with platform_of(self.app) as platform:
            return len(platform.root.plugin_areas.area("auth_email_otp").tree(tree))

    def email_login_sends(self) -> int:
        with platform_of(self.app) as platform:
            return sum(len(sends) for sends in platform.root.plugin_areas.area("auth_email_otp")
                       .tree("code_sends").values())

    def email_login_password(self, key: str) -> str | None:
        account_id = self.account_id(key)
        with platform_of(self.app) as platform:
            return platform.root.plugin_areas.area("auth_email_otp").tree("passwords").get(account_id)


def became(value):
    return lambda before, after: before != value and after == value


def one_more(before, after):
    return after == before + 1


def one_less(before, after):
    return after == before - 1


def open_logins(key: str):
    return lambda world: world.account(key, lambda account: len(account.logins))


def has_account(email: str):
    return lambda world: world.account("admin", lambda admin: admin.__parent__.find_by_email(email) is not None)


def token(client: webtest.TestApp) -> str:
    """The CSRF token of the client's session (from the demo login page, public)."""
    page = client.get("/connexion/demo")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def post(client: webtest.TestApp, url: str, fields: dict | None = None, csrf: bool = True):
    data = dict(fields or {})
    if csrf:
        data["csrf_token"] = token(client)
    return client.post(url, data, expect_errors=True)


# -- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drive:
    """One attempt: ``who`` (a demo account's key, or anonymous) does ``act``
    (a form journey ending in one request that may change state); the
    answer must be one of ``statuses`` and, when it redirects, to an address
    ending with ``lands`` (if given)."""

    who: str
    act: Callable[[World, webtest.TestApp], webtest.TestResponse]
    statuses: tuple[int, ...]
    why: str = ""
    lands: str = ""


@dataclass(frozen=True)
class Row:
    """One state-changing route: ``allowed`` yields ``events``, and what
    ``observe`` reads in the database goes from ``before`` to ``after``
    with ``expect(before, after)`` true; each of ``refused`` yields nothing
    and changes nothing. ``setup`` prepares what the row needs (as the
    platform, before anything is recorded)."""

    allowed: Drive
    events: tuple[type[DomainEvent], ...]
    refused: tuple[Drive, ...]
    observe: Callable[[World], object]
    expect: Callable[[object, object], bool]
    setup: Callable[[World], None] | None = None
    plugins: tuple[str, ...] = ()  # installed plugins the row needs besides the defaults
    token: bool = False  # the platform's PKCS#11 token (SoftHSM2) and its CA, for software certificates


NEW_ACCOUNT = {"first_name": "Anne", "last_name": "Lemaître", "email": "anne@example.test", "profile": "expert"}


def create_account_form(world, client):
    form = client.get("/comptes/").forms["form"]
    for key, value in NEW_ACCOUNT.items():
        form[key] = value
    return form.submit("submit", expect_errors=True)


def disable_form(key: str, reason: str = "Clé perdue"):
    def act(world, client):
        email = demo_email(key)
        page = client.get("/comptes/")
        form = next(form for form in page.forms.values()
                    if form.action.endswith("/desactiver") and f'data-email="{email}"' in form.text)
        form["reason"] = reason
        return form.submit(expect_errors=True)

    return act


def disabled(key: str):
    """A row's setup: the demo account ``key`` disabled by the platform."""

    def setup(world):
        world.as_platform(lambda platform, operator: account_services.disable_account(
            platform, operator, platform.root.accounts.find_by_email(demo_email(key)), "Départ"))

    return setup


def enable_form(world, client):
    email = demo_email("avocat1")
    page = client.get("/comptes/")
    form = next(form for form in page.forms.values()
                if form.action.endswith("/reactiver") and f'data-email="{email}"' in form.text)
    return form.submit(expect_errors=True)


def settings_form(name: str):
    def act(world, client):
        form = client.get("/parametres").forms["form"]
        form["platform_name"] = name
        form["contact_email"] = "support@example.test"
        return form.submit("submit", expect_errors=True)

    return act


def demo_button(email: str, csrf: bool = True):
    """The demo login page's button for ``email``, as a visitor presses it."""

    def act(world, client):
        return post(client, "/authentification/demo", {"email": email}, csrf=csrf)

    return act


def after_first_connection(email: str):
    """A visitor whose identity (``email``, no account) the demo login verified."""

    def prepare(client):
        answer = post(client, "/authentification/demo", {"email": email})
        assert answer.status_int == 302 and answer.location.endswith("/inscription"), answer
        return client

    return prepare


def registration_form(email_in_form: str, identity_email: str = "nouveau@example.test"):
    def act(world, client):
        after_first_connection(identity_email)(client)
        form = client.get("/inscription").forms["form"]
        form["first_name"], form["last_name"], form["email"] = "Nina", "Nouveau", email_in_form
        return form.submit("submit", expect_errors=True)

    return act


def logout(world, client):
    return post(client, "/deconnexion")


def switch_button(world, client):
    """« Changer d'authentification » in the page's header, as a logged-in person presses it."""
    page = client.get("/")
    form = next(form for form in page.forms.values() if form.action.endswith("/changer-authentification"))
    return form.submit(expect_errors=True)


def terms_published(version: str, days_ahead: int):
    """A row's setup: ``version`` of the terms of use published by the
    platform, in force ``days_ahead`` days from today (announced until then:
    the demo accounts log in without being held on the terms' page)."""

    def setup(world):
        world.as_platform(lambda platform, operator: terms.publish(
            platform, operator, version=version, title="Conditions générales", text="Article premier.",
            effective_on=terms.today(platform.now()) + timedelta(days=days_ahead)))

    return setup


def accept_form(world, client):
    """The terms' page's « Accepter et continuer »."""
    form = next(form for form in client.get("/cgu/").forms.values() if form.action.endswith("/accepter"))
    return form.submit(expect_errors=True)


def has_accepted(key: str, version: str):
    return lambda world: world.account(key, lambda account: account.accepted_terms(version))


def publish_form(version: str, text: str = "Nouvel article.", effective_on: date | None = None):
    """The administrator's form publishing a version (its day: the earliest the form offers, or ``effective_on``)."""

    def act(world, client):
        form = client.get("/cgu/versions").forms["form"]
        form["version"], form["title"], form["text"] = version, "Conditions générales", text
        if effective_on is not None:
            form["date"] = effective_on.isoformat()
        return form.submit("submit", expect_errors=True)

    return act


def has_terms(version: str):
    return lambda world: world.account(
        "admin", lambda admin: admin.__parent__.__parent__.terms.get(version) is not None)
INVITED = {"email": "lea.morin@example.test", "first_name": "Léa", "last_name": "Morin", "role": "sapiteur"}


def invitation_form(world, client, fields):
    form = client.get(world.case_url() + "inviter").forms["form"]
    for key, value in fields.items():
        form[key] = value
    return form.submit("submit", expect_errors=True)


CERTIFICATE_PASSWORD = "cheval-agrafe-pile-47"


def certificate_form(world, client, password, confirm=None):
    form = client.get(world.case_url() + "certificats").forms["form"]
    form["account_id"] = world.account_id("intervenant")
    form["password"], form["password-confirm"] = password, password if confirm is None else confirm
    return form.submit("submit", expect_errors=True)


def revoke_form(world, client):
    form = client.get(world.case_url() + "certificats").forms[f"revoke-{world.serial}"]
    form["reason"] = "superseded"
    return form.submit("submit", expect_errors=True)


def issued_certificates(world):
    with platform_of(world.app) as platform:
        return len(platform.root.certificates.issued)


def revoked_certificates(world):
    with platform_of(world.app) as platform:
        return len(platform.root.certificates.revoked())


EMAIL_PASSWORD = "mot de passe de Nadia"


def email_password(client, email, password, csrf=True):
    return post(client, "/connexion/courriel", {"email": email, "password": password}, csrf=csrf)


def resend_after_a_minute(world, client):
    """The password, then « Renvoyer le code » once its minute has passed."""
    answer = email_password(client, demo_email("intervenant"), EMAIL_PASSWORD)
    assert answer.status_int == 302, answer
    world.age_email_challenges()
    return post(client, "/connexion/courriel/renvoyer")


def new_password(world, client, password, token=None):
    page = client.get("/connexion/courriel/nouveau-mot-de-passe", {"jeton": world.reset_token},
                      expect_errors=True)
    form = page.forms["form"]
    if token is not None:
        form["jeton"] = token
    form["password"], form["password-confirm"] = password, password
    return form.submit("submit", expect_errors=True)


ROUTES: dict[str, Row] = {
    "Accounts:": Row(
        allowed=Drive("admin", create_account_form, (302,)),
        events=(AccountCreated,),
        observe=has_account(NEW_ACCOUNT["email"]),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/comptes/", NEW_ACCOUNT), (302,), "anonymous: to the login page",
                  "/connexion"),
            Drive("expert", lambda w, c: post(c, "/comptes/", NEW_ACCOUNT), (403,), "not an administrator"),
            Drive("admin", lambda w, c: post(c, "/comptes/", {**NEW_ACCOUNT, "email": demo_email("expert")}),
                  (400,), "an address another account holds"),
            Drive("admin", lambda w, c: post(c, "/comptes/", {**NEW_ACCOUNT, "profile": "pirate"}), (400,),
                  "an unknown profile"),
            Drive("admin", lambda w, c: post(c, "/comptes/", NEW_ACCOUNT, csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Account:desactiver": Row(
        allowed=Drive("admin", disable_form("avocat1"), (302,)),
        events=(AccountDisabled,),
        observe=lambda world: world.account("avocat1", lambda account: account.active),
        expect=became(False),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, w.account_url("avocat1", "desactiver"), {"reason": "x"}), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("expert", lambda w, c: post(c, w.account_url("avocat1", "desactiver"), {"reason": "x"}), (403,),
                  "not an administrator"),
            Drive("admin", disable_form("avocat1", reason="   "), (302,), "no reason (back with an error)",
                  "/comptes/"),
            Drive("admin", lambda w, c: post(c, w.account_url("admin", "desactiver"), {"reason": "x"}), (302,),
                  "one's own account (back with an error)", "/comptes/"),
            Drive("admin", lambda w, c: post(c, w.account_url("avocat1", "desactiver"), {"reason": "x"}, csrf=False),
                  (400,), "no CSRF token"),
        ),
    ),
    "Account:reactiver": Row(
        setup=disabled("avocat1"),
        allowed=Drive("admin", enable_form, (302,)),
        events=(AccountEnabled,),
        observe=lambda world: world.account("avocat1", lambda account: account.active),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, w.account_url("avocat1", "reactiver")), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("expert", lambda w, c: post(c, w.account_url("avocat1", "reactiver")), (403,),
                  "not an administrator"),
            Drive("admin", lambda w, c: post(c, w.account_url("avocat2", "reactiver")), (302,),
                  "an active account (back with an error)", "/comptes/"),
            Drive("admin", lambda w, c: post(c, w.account_url("avocat1", "reactiver"), csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "Root:parametres": Row(
        allowed=Drive("admin", settings_form("Opalexe Ouest"), (302,)),
        events=(SiteSettingsChanged,),
        observe=lambda world: world.account("admin", lambda admin: admin.__parent__.__parent__.settings.platform_name),
        expect=became("Opalexe Ouest"),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/parametres", {"platform_name": "Pirate"}), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("expert", lambda w, c: post(c, "/parametres", {"platform_name": "Pirate"}), (403,),
                  "not an administrator"),
            Drive("admin", settings_form("   "), (400,), "a name made of spaces"),
            Drive("admin", lambda w, c: post(c, "/parametres", {"platform_name": "Pirate"}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "route:/authentification/{provider}": Row(
        setup=disabled("mediateur"),
        allowed=Drive(ANONYMOUS, demo_button(demo_email("avocat1")), (302,)),
        events=(LoginOpened,),
        observe=open_logins("avocat1"),
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, demo_button("pas-une-adresse"), (302,), "credentials the provider refuses",
                  "/connexion/demo"),
            Drive(ANONYMOUS, lambda w, c: post(c, "/authentification/nulle-part", {"email": demo_email("avocat1")}),
                  (302,), "a provider nobody offers", "/connexion"),
            Drive(ANONYMOUS, demo_button(demo_email("avocat2"), csrf=False), (400,), "no CSRF token"),
            Drive(ANONYMOUS, demo_button(demo_email("mediateur")), (302,),
                  "a disabled account (its identity is not linked either)",
                  "/connexion/demo"),
            Drive(ANONYMOUS, demo_button("inconnu@example.test"), (302,),
                  "an identity without an account: registration comes next, nothing stored yet", "/inscription"),
        ),
    ),
    "Root:inscription": Row(
        allowed=Drive(ANONYMOUS, registration_form("nouveau@example.test"), (302,)),
        events=(AccountRegistered, LoginOpened),  # the account, then its first login
        observe=has_account("nouveau@example.test"),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/inscription", {"first_name": "N", "last_name": "N",
                                                                   "email": "n@example.test"}),
                  (302,), "no identity verified first: to the login page", "/connexion"),
            Drive(ANONYMOUS, registration_form(demo_email("expert")), (400,), "an address another account holds"),
            Drive(ANONYMOUS, lambda w, c: post(after_first_connection("autre@example.test")(c), "/inscription",
                                               {"first_name": "N", "last_name": "N", "email": "autre@example.test"},
                                               csrf=False),
                  (400,), "no CSRF token"),
        ),
    ),
    "Root:deconnexion": Row(
        allowed=Drive("expert", logout, (302,)),
        events=(LoginClosed,),
        observe=open_logins("expert"),
        expect=one_less,
        refused=(
            Drive(ANONYMOUS, logout, (302,), "nobody logged in: nothing to close"),
            Drive("expert", lambda w, c: post(c, "/deconnexion", csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Root:changer-authentification": Row(
        allowed=Drive("expert", switch_button, (302,)),
        events=(LoginClosed,),  # reason SWITCHED: tests/views/test_login.py
        observe=open_logins("expert"),
        expect=one_less,
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/changer-authentification"), (302,),
                  "nobody logged in: nothing to close, the profile asked again", "/connexion"),
            Drive("expert", lambda w, c: post(c, "/changer-authentification", csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "TermsOfUse:accepter": Row(
        setup=terms_published("v-annoncee", days_ahead=10),
        allowed=Drive("expert", accept_form, (302,)),
        events=(TermsAccepted,),
        observe=has_accepted("expert", "v-annoncee"),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/cgu/accepter", {"version": "v-annoncee"}), (302,),
                  "nobody logged in (back to the terms with an error)", "/cgu/"),
            Drive("expert", lambda w, c: post(c, "/cgu/accepter", {"version": "v-inconnue"}), (302,),
                  "a version nobody published (back to the terms with an error)", "/cgu/"),
            Drive("expert", lambda w, c: post(c, "/cgu/accepter", {"version": "v-annoncee"}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "TermsOfUse:versions": Row(
        setup=terms_published("v-annoncee", days_ahead=30),
        allowed=Drive("admin", publish_form("v-nouvelle"), (302,)),
        events=(TermsPublished,),
        observe=has_terms("v-nouvelle"),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/cgu/versions", {"version": "v-pirate", "text": "x"}), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("expert", lambda w, c: post(c, "/cgu/versions", {"version": "v-pirate", "text": "x"}), (403,),
                  "not an administrator"),
            Drive("admin", publish_form("v-annoncee"), (400,), "a version that exists"),
            Drive("admin", publish_form("v-nouvelle", effective_on=date(2020, 1, 1)), (400,), "a day gone by"),
            Drive("admin", publish_form("v-nouvelle", text="   "), (400,), "no text"),
            Drive("admin", lambda w, c: post(c, "/cgu/versions", {"version": "v-pirate", "text": "x"}, csrf=False),
                  (400,), "no CSRF token"),
        ),
    ),
    # -- issue #19: invitations, software certificates, the e-mail login ---------------------
    "Expertise:inviter": Row(
        allowed=Drive("expert", lambda w, c: invitation_form(w, c, INVITED), (302,)),
        events=(ParticipantInvited,),
        observe=has_account(INVITED["email"]),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, w.case_url() + "inviter", INVITED), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("avocat1", lambda w, c: post(c, w.case_url() + "inviter", INVITED), (403,), "not a case manager"),
            Drive("expert", lambda w, c: invitation_form(w, c, {**INVITED, "email": "pas-une-adresse"}), (400,),
                  "an invalid address"),
            Drive("expert", lambda w, c: invitation_form(w, c, {**INVITED, "role": "avocat"}), (400,),
                  "a lawyer without an account (registers with its key first)"),
            Drive("expert", lambda w, c: post(c, w.case_url() + "inviter", INVITED, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "Expertise:certificats": Row(
        token=True,
        allowed=Drive("expert", lambda w, c: certificate_form(w, c, CERTIFICATE_PASSWORD), (200,)),
        events=(SoftwareCertificateIssued,),
        observe=issued_certificates,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, w.case_url() + "certificats"), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("avocat1", lambda w, c: post(c, w.case_url() + "certificats"), (403,), "not a case manager"),
            Drive("expert", lambda w, c: certificate_form(w, c, "court"), (400,), "a password too short"),
            Drive("expert", lambda w, c: certificate_form(w, c, CERTIFICATE_PASSWORD, confirm="autre chose!!"),
                  (400,), "a confirmation that differs"),
            Drive("expert", lambda w, c: post(c, w.case_url() + "certificats", csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "Expertise:revoquer-certificat": Row(
        token=True,
        setup=lambda world: world.issue_certificate(),
        allowed=Drive("expert", lambda w, c: revoke_form(w, c), (302,)),
        events=(SoftwareCertificateRevoked,),
        observe=revoked_certificates,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, w.case_url() + "revoquer-certificat",
                                               {"serial": w.serial, "reason": "superseded"}), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("avocat1", lambda w, c: post(c, w.case_url() + "revoquer-certificat",
                                               {"serial": w.serial, "reason": "superseded"}), (403,),
                  "not a case manager"),
            Drive("expert", lambda w, c: post(c, w.case_url() + "revoquer-certificat",
                                              {"serial": w.serial, "reason": "parce que"}), (302,),
                  "an unknown reason (back with an error)", "/certificats"),
            Drive("expert", lambda w, c: post(c, w.case_url() + "revoquer-certificat",
                                              {"serial": "abcdef", "reason": "superseded"}), (302,),
                  "a certificate of no one (back with an error)", "/certificats"),
            Drive("expert", lambda w, c: post(c, w.case_url() + "revoquer-certificat",
                                              {"serial": w.serial, "reason": "superseded"}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    # The e-mail login (plugin auth_email_otp) changes its own storage area, and
    # emits no domain event. A wrong password is not a refusal here: it is
    # counted (per account and address, towards a lock), in a transaction of its own.
    "route:/connexion/courriel": Row(
        plugins=("auth_email_otp",),
        setup=lambda world: world.give_password("intervenant"),
        allowed=Drive(ANONYMOUS, lambda w, c: email_password(c, demo_email("intervenant"), EMAIL_PASSWORD), (302,),
                      lands="/connexion/courriel"),
        events=(),
        observe=lambda world: world.email_login_records("challenges"),
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, lambda w, c: email_password(c, "pas-une-adresse", EMAIL_PASSWORD), (400,),
                  "an invalid address"),
            Drive(ANONYMOUS, lambda w, c: email_password(c, demo_email("intervenant"), EMAIL_PASSWORD, csrf=False),
                  (400,), "no CSRF token"),
        ),
    ),
    "route:/connexion/courriel/renvoyer": Row(
        plugins=("auth_email_otp",),
        setup=lambda world: world.give_password("intervenant"),
        allowed=Drive(ANONYMOUS, lambda w, c: resend_after_a_minute(w, c), (302,), lands="/connexion/courriel"),
        events=(),
        observe=lambda world: world.email_login_sends(),
        expect=lambda before, after: after == before + 2,  # the code of the password, then the new one
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/renvoyer"), (302,),
                  "no login waiting for its code (back with an error)", "/connexion/courriel"),
            Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/renvoyer", csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "route:/connexion/courriel/mot-de-passe-oublie": Row(
        plugins=("auth_email_otp",),
        setup=lambda world: world.give_password("intervenant"),
        allowed=Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/mot-de-passe-oublie",
                                                   {"email": demo_email("intervenant")}), (302,)),
        events=(),
        observe=lambda world: world.email_login_records("resets"),
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/mot-de-passe-oublie",
                                               {"email": "inconnu@example.test"}), (302,),
                  "an address without an account: the same answer, nothing stored", "/connexion/courriel"),
            Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/mot-de-passe-oublie",
                                               {"email": "pas-une-adresse"}), (400,), "an invalid address"),
            Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/mot-de-passe-oublie",
                                               {"email": demo_email("intervenant")}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "route:/connexion/courriel/nouveau-mot-de-passe": Row(
        plugins=("auth_email_otp",),
        setup=lambda world: world.give_password("intervenant", reset=True),
        allowed=Drive(ANONYMOUS, lambda w, c: new_password(w, c, "un nouveau secret solide"), (302,),
                      lands="/connexion/courriel"),
        events=(),
        observe=lambda world: world.email_login_password("intervenant"),
        expect=lambda before, after: before != after,
        refused=(
            Drive(ANONYMOUS, lambda w, c: new_password(w, c, "court"), (400,), "a password too short"),
            Drive(ANONYMOUS, lambda w, c: new_password(w, c, "un nouveau secret solide", token="inventé"), (400,),
                  "a link no one sent (or used, or expired)"),
            Drive(ANONYMOUS, lambda w, c: post(c, "/connexion/courriel/nouveau-mot-de-passe",
                                               {"jeton": w.reset_token}, csrf=False), (400,), "no CSRF token"),
        ),
    ),
}

class SoftwareSigner:
    """A signer whose key is in memory, for the table only: the token's key
    and its tests are in tests/journal/ (issue #17)."""

    def __init__(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "table")])
        now = datetime.now(UTC)
        self.pem = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                    .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
                    .sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())

    def fingerprint(self) -> str:
        return "0" * 64

    def certificate_pem(self) -> str:
        return self.pem

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


def with_signer(world) -> None:
    world.app.registry.opalexe_journal.signer = SoftwareSigner()


def signed_heads(world) -> int:
    with opened(world.app.registry._zodb_databases["journal"]) as (zodb_root, _manager):
        return len(zodb_root["opalexe_journal"].heads)


ROUTES["Root:journal"] = Row(
    setup=with_signer,
    allowed=Drive("admin", lambda w, c: post(c, "/journal"), (302,), lands="/journal"),
    events=(JournalHeadSigned,),
    observe=signed_heads,
    expect=one_more,
    refused=(
        Drive(ANONYMOUS, lambda w, c: post(c, "/journal"), (302,), "anonymous: to the login page", "/connexion"),
        Drive("expert", lambda w, c: post(c, "/journal"), (403,), "not an administrator"),
        Drive("admin", lambda w, c: post(c, "/journal", csrf=False), (400,), "no CSRF token"),
    ),
)

#: Views that accept a POST (they name no request method) but only read:
#: why, and who may see them (a POST by that actor must change nothing).
READS_ONLY: dict[str, tuple[str, str, Callable[[World], str]]] = {
    "Root:": ("the home page (dashboard)", "expert", lambda world: "/"),
    "Root:connexion": ("the login page: the list of providers", ANONYMOUS, lambda world: "/connexion"),
    "Root:extensions": ("the list of loaded plugins", "admin", lambda world: "/extensions"),
    "Expertises:": ("a redirect to the home page", "expert", lambda world: "/expertises/"),
    "Expertise:": ("a case's page", "expert", lambda world: world.case_url()),
    "Folder:": ("a folder's page (deposits will be their own view)", "expert", lambda world: world.folder_url()),
    "Jurisdictions:": ("the courts directory", "expert", lambda world: "/juridictions/"),
    "TermsOfUse:": ("the terms of use: the version in force and the one announced", ANONYMOUS,
                    lambda world: "/cgu/"),
    "LawyerDirectory:": ("the lawyers' directory: a search", "expert", lambda world: "/annuaire-avocats/?q=a"),
    "LawyerDirectory:recherche.json": ("the same search as JSON", "expert",
                                       lambda world: "/annuaire-avocats/recherche.json?q=a"),
    "route:/connexion/courriel/annuler": ("« Retour »: forgets the session's pending code, writes nothing", ANONYMOUS,
                                          lambda world: "/connexion/courriel/annuler"),
}

#: The installed plugins a page of READS_ONLY needs besides the defaults.
READS_ONLY_PLUGINS = {"route:/connexion/courriel/annuler": ("auth_email_otp",)}


# -- discovery -----------------------------------------------------------------------------------

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _is_exception_view(view) -> bool:
    context = view["context"]
    if view["exception_only"]:
        return True
    if isinstance(context, type):
        return issubclass(context, BaseException)
    return IInterface.providedBy(context) and context.isOrExtends(IException)


def view_key(introspector, view) -> str:
    """``route:<pattern>`` for a view of a route, ``<context class>:<view name>`` otherwise."""
    if view["route_name"]:
        return "route:" + introspector.get("routes", view["route_name"])["pattern"]
    context = view["context"]
    return f"{getattr(context, '__name__', context)}:{view['name']}"


def discover_routes(app) -> set[str]:
    """Every view of ``app`` that may change state (see the module's docstring)."""
    introspector = app.registry.introspector
    found = set()
    for item in introspector.get_category("views"):
        view = item["introspectable"]
        if _is_exception_view(view) or isinstance(view["callable"], static_view):
            continue
        methods = view["request_methods"]
        if methods is not None:
            methods = {methods} if isinstance(methods, str) else set(methods)
            if not methods & UNSAFE_METHODS:
                continue  # GET/HEAD only
        found.add(view_key(introspector, view))
    return found


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """The routes of the app with every installed plugin loaded."""
    directory = tmp_path_factory.mktemp("routes")
    uri = f"file://{directory}/Data.fs"
    app = make_app(test_settings(uri, plugins=installed_plugin_names()), demo=False)
    try:
        return discover_routes(app)
    finally:
        close_app(app)


def test_every_state_changing_route_has_its_row(routes):
    missing = sorted(routes - set(ROUTES) - set(READS_ONLY))
    assert not missing, (
        f"state-changing routes without a row in ROUTES (or READS_ONLY) of {__file__}: {missing}"
    )
    stale = sorted((set(ROUTES) | set(READS_ONLY)) - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    assert not set(ROUTES) & set(READS_ONLY)


def test_the_discovery_sees_what_it_must():
    """Unsafe methods, unrestricted views and routes are found; GET-only,
    static and exception views are not (a discovery that found nothing would
    let every new route through)."""
    from pyramid.config import Configurator

    config = Configurator()

    def view(request):
        return {}

    config.add_route("thing", "/chose/{id}")
    for method in ("PUT", "PATCH", "DELETE", ("GET", "POST")):
        config.add_view(view, route_name="thing", request_method=method, renderer="json")
    config.add_route("read", "/lire")
    config.add_view(view, route_name="read", request_method="GET", renderer="json")
    config.add_route("any", "/tout")
    config.add_view(view, route_name="any", renderer="json")
    config.add_view(view, name="page", renderer="json")
    config.add_static_view("fichiers", "opalexe_core:static")
    config.add_exception_view(view, ValueError, renderer="json")
    config.add_notfound_view(view, renderer="json")
    app = config.make_wsgi_app()
    assert discover_routes(app) == {"route:/chose/{id}", "route:/tout", "None:page"}


# -- driving the table ---------------------------------------------------------------------------


@pytest.fixture
def world_for(storage, request):
    worlds = []

    def build(plugins=(), token=False):
        extra = {}
        if token:  # the platform's PKCS#11 token, and its CA made on it
            softhsm = request.getfixturevalue("softhsm_token")
            extra = {"opalexe.pkcs11.module": softhsm.module_path, "opalexe.pkcs11.token_label": softhsm.label,
                     "opalexe.pkcs11.pin": softhsm.pin}
        world = World(test_settings(storage.uri, plugins=(*DEFAULT_PLUGINS, *plugins), **extra))
        worlds.append(world)
        if token:
            world.as_platform(certificates.create_authority)
        return world

    yield build
    for world in worlds:
        world.close()


@dataclass
class Outcome:
    answer: webtest.TestResponse
    events: list[DomainEvent]
    changed: bool  # anything stored
    seen: tuple = (None, None)  # what the row observes, before and after


def drive(world: World, attempt: Drive, observe: Callable[[World], object] = lambda world: None) -> Outcome:
    """Log ``attempt.who`` in, then act (the login is not counted)."""
    client = world.client(attempt.who)
    world.recorder.events.clear()
    before, seen_before = database_state(world.db), observe(world)
    answer = attempt.act(world, client)
    assert answer.status_int in attempt.statuses, (attempt.why, answer.status, answer.text[:2000])
    if attempt.lands:
        assert answer.location.endswith(attempt.lands), (attempt.why, answer.location)
    return Outcome(answer, list(world.recorder.events), database_state(world.db) != before,
                   (seen_before, observe(world)))


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_a_route_changes_state_once_for_the_allowed_and_never_for_the_refused(world_for, key):
    row = ROUTES[key]
    world = world_for(row.plugins, row.token)
    if row.setup is not None:
        row.setup(world)
    for attempt in row.refused:
        refused = drive(world, attempt, row.observe)
        assert refused.events == [], (attempt.why, refused.events)
        assert not refused.changed, f"{attempt.why}: the database changed"
        assert refused.seen[0] == refused.seen[1]

    allowed = drive(world, row.allowed, row.observe)

    events = allowed.events
    assert [type(event) for event in events] == list(row.events)
    assert len({event.id for event in events}) == len(events)
    assert allowed.changed and row.expect(*allowed.seen), allowed.seen
    if row.allowed.who != ANONYMOUS:
        assert {event.actor.account_id for event in events} == {world.account_id(row.allowed.who)}
    assert all(event.actor.client_address == "127.0.0.1" and event.actor.auth_method is AuthMethod.DEMO
               for event in events)
    with platform_of(world.app) as platform:
        assert len(platform.root.outbox) == 0  # delivered, nothing left behind


def test_logging_in_over_an_open_login_closes_it(world_for):
    """The login route's other change: a browser logged in as one account logs
    in as another; the first login is closed (replaced), the second opened."""
    world = world_for()
    outcome = drive(world, Drive("expert", demo_button(demo_email("avocat1")), (302,)), open_logins("expert"))
    opened_, closed = outcome.events
    assert isinstance(opened_, LoginOpened) and opened_.actor.account_id == world.account_id("avocat1")
    assert isinstance(closed, LoginClosed) and closed.reason is LoginEnd.REPLACED
    assert closed.account_id == world.account_id("expert")
    assert one_less(*outcome.seen)


def test_too_many_login_attempts_from_one_address_are_refused_and_store_nothing(storage):
    """The login route's refusal of a burst (issue 18's counter, per address):
    past the limit, even an attempt that proves an identity opens nothing."""
    world = World(test_settings(storage.uri, **{"opalexe.login.attempts_per_address": "2"}))
    try:
        for _attempt in range(2):
            failed = drive(world, Drive(ANONYMOUS, demo_button("pas-une-adresse"), (302,), "refused by the provider",
                                        "/connexion/demo"))
            assert failed.events == [] and not failed.changed
        outcome = drive(world, Drive(ANONYMOUS, demo_button(demo_email("avocat1")), (429,), "a third attempt"),
                        open_logins("avocat1"))
    finally:
        world.close()
    assert outcome.events == [] and not outcome.changed and outcome.seen[0] == outcome.seen[1]
    assert "Trop de tentatives" in outcome.answer.text


def test_registering_under_terms_in_force_records_their_acceptance(world_for):
    """The registration row's other journey: with a version of the terms in
    force, the form must accept it (refused otherwise, nothing stored); the
    account, its first login, then its acceptance."""
    world = world_for()
    terms_published("v-en-vigueur", days_ahead=0)(world)

    def register(accept: bool):
        def act(world, client):
            after_first_connection("nouveau@example.test")(client)
            form = client.get("/inscription").forms["form"]
            form["first_name"], form["last_name"], form["email"] = "Nina", "Nouveau", "nouveau@example.test"
            form["cgu"] = accept
            return form.submit("submit", expect_errors=True)

        return act

    refused = drive(world, Drive(ANONYMOUS, register(False), (400,), "the terms not accepted"))
    assert refused.events == [] and not refused.changed

    allowed = drive(world, Drive(ANONYMOUS, register(True), (302,)))
    assert [type(event) for event in allowed.events] == [AccountRegistered, LoginOpened, TermsAccepted]
    assert allowed.events[-1].version == "v-en-vigueur"
    assert world.account("admin", lambda admin: admin.__parent__.find_by_email("nouveau@example.test")
                         .accepted_terms("v-en-vigueur"))
    assert allowed.answer.location.endswith("/")  # accepted: nothing more to accept before the dashboard


@pytest.mark.parametrize("key", sorted(READS_ONLY))
def test_a_page_that_only_reads_changes_nothing_even_posted_to(world_for, key):
    _why, who, url = READS_ONLY[key]
    world = world_for(READS_ONLY_PLUGINS.get(key, ()))
    outcome = drive(world, Drive(who, lambda w, c: post(c, url(w)), (200, 302), key))
    assert outcome.events == [] and not outcome.changed
    answer = outcome.answer
    assert answer.status_int == 200 or not answer.location.endswith("/connexion")  # the page, not the login


def test_the_language_switch_writes_nothing(world_for):
    world = world_for()
    client = world.client("expert")
    world.recorder.events.clear()
    before = database_state(world.db)
    answer = client.get("/langue", {"code": "en", "retour": "/"})
    assert answer.status_int == 302 and "_LOCALE_=en" in answer.headers["Set-Cookie"]
    assert world.recorder.events == [] and database_state(world.db) == before


def test_the_database_state_sees_a_change_and_only_a_change(world_for):
    """:func:`database_state`, the refusals' witness, can fail."""
    world = world_for()
    before = database_state(world.db)
    assert database_state(world.db) == before
    world.as_platform(lambda platform, operator: platform.root.settings.update("Autre nom", ""))
    assert database_state(world.db) != before


# -- the services, called directly ---------------------------------------------------------------


def discover_services() -> dict[str, Callable]:
    """``module.function`` → function, for every public function of
    :mod:`opalexe_core.services` whose first parameter is ``platform``."""
    found = {}
    package = opalexe_core.services
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters[:1] == ["platform"]:
                found[f"{info.name}.{name}"] = function
    return found


@dataclass
class Cast:
    """The people and the case a refusal is tried on."""

    platform: object
    accounts: dict = field(default_factory=dict)
    case: object = None
    login_id: str = ""

    def actor(self, key: str) -> Actor:
        if key == ANONYMOUS:
            return Actor.anonymous("192.0.2.9")
        return Actor(self.accounts[key], AuthMethod.DEMO, "192.0.2.9")


CAST = (("admin", "administrateur", True), ("expert", "expert", False), ("coexpert", "expert", False),
        ("lawyer", "avocat", False), ("other", "expert", False), ("gone", "expert", False))
CAST_KEYS = tuple(key for key, _profile, _admin in CAST)


def cast(platform) -> Cast:
    operator = Actor.platform()
    people = Cast(platform)
    for key, profile, admin in CAST:
        people.accounts[key] = account_services.create_account(
            platform, operator, first_name=key.title(), last_name="Test", email=f"{key}@example.test",
            profile=profile, is_admin=admin)
    people.case = expertises.create_expertise(
        platform, operator, jurisdiction_code="tj-angers", rg="18/00001", exp="18/00001",
        parties=[("Dupont", "demandeur", "physique"), ("Durand", "defendeur", "physique")],
        order_date=date(2018, 3, 15), expert=people.accounts["expert"])
    expertises.add_participant(platform, operator, people.case, people.accounts["coexpert"], Role.CO_EXPERT)
    account_services.disable_account(platform, operator, people.accounts["gone"], "Départ")
    # The lawyer logs in once (its identity linked to its account by its verified address).
    login = auth.authenticate(platform, LoginAttempt(provider="demo", params={"email": "lawyer@example.test"}))
    people.login_id = login.login_id
    return people


def refused_with(exception):
    def outcome(call):
        with pytest.raises(exception):
            call()

    return outcome


def answers_false(call):
    assert call() is False


def new_case_for(who):
    return lambda c: expertises.create_expertise(
        c.platform, c.actor(who), jurisdiction_code="tj-angers", rg="19/00002", exp="19/00002",
        parties=[("Martin", "demandeur", "physique"), ("Petit", "defendeur", "physique")])


#: service → (who tries it, the call, how it refuses). The actors lack the
#: right: anonymous, and another profile or a person outside the case.
SERVICE_REFUSALS: dict[str, list[tuple[str, Callable[[Cast], object], Callable]]] = {
    "accounts.create_account": [
        (who, lambda c, who=who: account_services.create_account(
            c.platform, c.actor(who), first_name="Zoé", last_name="Z", email="z@example.test", profile="expert"),
         refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer")
    ],
    "accounts.disable_account": [
        (who, lambda c, who=who: account_services.disable_account(c.platform, c.actor(who), c.accounts["lawyer"],
                                                                  "motif"), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer")
    ],
    "accounts.enable_account": [
        (who, lambda c, who=who: account_services.enable_account(c.platform, c.actor(who), c.accounts["lawyer"]),
         refused_with(Refused))
        for who in (ANONYMOUS, "expert")
    ],
    "site.update_site_settings": [
        (who, lambda c, who=who: site.update_site_settings(c.platform, c.actor(who), platform_name="Pirate",
                                                           contact_email=""), refused_with(Refused))
        for who in (ANONYMOUS, "expert")
    ],
    "expertises.create_expertise": [
        (who, new_case_for(who), refused_with(Refused)) for who in (ANONYMOUS, "lawyer", "admin")
    ],
    "expertises.add_participant": [
        (who, lambda c, who=who: expertises.add_participant(c.platform, c.actor(who), c.case, c.accounts["other"],
                                                            Role.CO_EXPERT), refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "other", "admin")
    ],
    "expertises.change_status": [
        (who, lambda c, who=who: expertises.change_status(c.platform, c.actor(who), c.case, "en_cours"),
         refused_with(Refused))
        for who in (ANONYMOUS, "coexpert", "other", "admin")
    ],
    # One closes one's own logins only: another account's login is not found.
    "auth.close_login": [
        (who, lambda c, who=who: auth.close_login(c.platform, c.actor(who), c.login_id), answers_false)
        for who in (ANONYMOUS, "expert", "admin")
    ],
    # No actor yet: the provider's verdict is the right.
    "auth.authenticate": [
        (ANONYMOUS, lambda c: auth.authenticate(c.platform, LoginAttempt(provider="demo", params={"email": "x"})),
         refused_with(AuthenticationError)),
        (ANONYMOUS, lambda c: auth.authenticate(c.platform, LoginAttempt(provider="nulle-part",
                                                                         params={"email": "lawyer@example.test"})),
         refused_with(AuthenticationError)),
        # A disabled account: not logged in, and its identity not linked to it either.
        (ANONYMOUS, lambda c: auth.authenticate(c.platform, LoginAttempt(provider="demo",
                                                                         params={"email": "gone@example.test"})),
         refused_with(AuthenticationError)),
    ],
    # Issue #19: invitations and software certificates (the certificate services
    # refuse before they reach the token).
    "invitations.invite_participant": [
        (who, lambda c, who=who: invitations.invite_participant(
            c.platform, c.actor(who), c.case, email="lea@example.test", first_name="Léa", last_name="Morin",
            role="sapiteur"), refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "other", "admin")
    ],
    "certificates.issue_certificate": [
        (who, lambda c, who=who: certificates.issue_certificate(c.platform, c.actor(who), c.case,
                                                                c.accounts["coexpert"].id, "x" * 20),
         refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "other", "admin")
    ],
    "certificates.revoke_certificate": [
        (who, lambda c, who=who: certificates.revoke_certificate(c.platform, c.actor(who), c.case, "abcdef"),
         refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "other", "admin")
    ],
    "certificates.create_authority": [
        (who, lambda c, who=who: certificates.create_authority(c.platform, c.actor(who)), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer")
    ],
    "certificates.publish_crl": [
        (who, lambda c, who=who: certificates.publish_crl(c.platform, c.actor(who)), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer")
    ],
    # An identity registers once, with an address nobody holds.
    "auth.register": [
        (ANONYMOUS, lambda c: auth.register(
            c.platform, Identity(provider="demo", subject="lawyer@example.test", auth_method=AuthMethod.DEMO),
            first_name="L", last_name="L", email="l2@example.test"), refused_with(UserError)),
        (ANONYMOUS, lambda c: auth.register(
            c.platform, Identity(provider="demo", subject="new@example.test", auth_method=AuthMethod.DEMO),
            first_name="L", last_name="L", email="expert@example.test"), refused_with(UserError)),
    ],
    # Only the lawyer itself, at its login, updates its entry of the directory.
    "lawyers.record": [
        (who, lambda c, who=who: lawyers.record(c.platform, c.actor(who), c.accounts["lawyer"], "Barreau de Paris"),
         refused_with(Refused))
        for who in (ANONYMOUS, "expert", "admin")
    ],
    # It only reads, but it is the experts' (and the administrator's).
    "lawyers.search": [
        (who, lambda c, who=who: lawyers.search(c.platform, c.actor(who), "Lawyer"), refused_with(Refused))
        for who in (ANONYMOUS, "lawyer")
    ],
    "terms.publish": [
        *((who, lambda c, who=who: terms.publish(c.platform, c.actor(who), version="v-pirate", title="",
                                                 effective_on=terms.today(c.platform.now()), text="Article."),
           refused_with(Refused))
          for who in (ANONYMOUS, "expert", "lawyer")),
        ("admin", lambda c: terms.publish(c.platform, c.actor("admin"), version="v-passee", title="",
                                          effective_on=date(2020, 1, 1), text="Article."), refused_with(UserError)),
    ],
    "terms.accept": [
        (ANONYMOUS, lambda c: terms.accept(c.platform, c.actor(ANONYMOUS), "v1"), refused_with(Refused)),
        ("expert", lambda c: terms.accept(c.platform, c.actor("expert"), "v-inconnue"), refused_with(UserError)),
    ],
}

SERVICE_REFUSALS.update({
    "journal.expertise_journal": [
        (who, lambda c, who=who: journal_services.expertise_journal(c.platform, c.actor(who), c.case),
         refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "other", "admin")
    ],
    "journal.platform_journal": [
        (who, lambda c, who=who: journal_services.platform_journal(c.platform, c.actor(who)), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer")
    ],
    "journal.sign_now": [
        (who, lambda c, who=who: journal_services.sign_now(c.platform, c.actor(who), None), refused_with(Refused))
        for who in (ANONYMOUS, "expert")
    ],
})

#: Services that change nothing, or only as the platform itself: why.
SERVICES_WITHOUT_CHANGE = {
    "evidence.journal_of": "reads: the journal of the platform's database",
    "evidence.may_see": "answers whether an actor may see an evidence",
    "evidence.evidence_for": "reads an evidence; refuses whom it does not concern (tests/journal/test_evidence.py)",
    "evidence.evidences_of_document": "reads the evidences of a document the actor may see",
    "evidence.platform_certificate": "reads the platform's public certificate",
    "auth.providers": "reads the installed providers",
    "auth.registration_fields": "reads the plugins' registration fields",
    "auth.find_provider": "reads the installed providers",
    "terms.in_force": "reads the version of the terms in force",
    "terms.announced": "reads the version to come an account has not accepted",
    "terms.to_accept": "reads the version in force an account has not accepted",
    "terms.earliest_day": "reads the first day a new version may come into force",
    "demo.populate_demo": "the demo data, written by the platform itself (`opalexe init --demo`), never a person",
    "certificates.authority": "the CA on the platform's token: an object to sign with, nothing stored",
    "certificates.crl_url": "the address of the CRL, built from the public URL",
    "certificates.valid_certificate": "reads whether a participant holds a valid certificate",
    "expertises.check_participant": "the checks of add_participant and invite_participant, which change",
}


def test_every_service_has_its_refusal():
    services = set(discover_services())
    assert {"accounts.create_account", "expertises.change_status", "auth.close_login"} <= services
    missing = sorted(services - set(SERVICE_REFUSALS) - set(SERVICES_WITHOUT_CHANGE))
    assert not missing, f"services without a refusal in SERVICE_REFUSALS of {__file__}: {missing}"
    stale = sorted((set(SERVICE_REFUSALS) | set(SERVICES_WITHOUT_CHANGE)) - services)
    assert not stale, f"refusals of services that no longer exist: {stale}"


SERVICE_CASES = [(name, index) for name, tries in sorted(SERVICE_REFUSALS.items()) for index in range(len(tries))]


@pytest.fixture
def service_db(storage):
    pm = make_plugin_manager(disabled=tuple(name for name in installed_plugin_names()
                                            if name not in DEFAULT_PLUGINS))
    recorder = Recorder()
    pm.register(recorder, name="recorder")
    db = open_db(storage.uri)
    initialize(db, pm)
    db.recorder = recorder
    yield db, pm
    db.close()


@pytest.mark.parametrize(("service", "index"), SERVICE_CASES,
                         ids=[f"{name}-{SERVICE_REFUSALS[name][i][0]}" for name, i in SERVICE_CASES])
def test_a_service_called_without_the_right_refuses_stores_nothing_and_emits_nothing(service_db, service, index):
    db, pm = service_db
    who, call, outcome = SERVICE_REFUSALS[service][index]
    dispatcher = OutboxDispatcher(db, pm)
    with open_platform(db, pm, dispatcher=dispatcher) as platform:
        people = cast(platform)
        platform.transaction.commit()  # the cast's own events are delivered here
        case_id, login_id = people.case.id, people.login_id
    before = database_state(db)
    db.recorder.events.clear()

    with open_platform(db, pm, dispatcher=dispatcher) as platform:
        people = Cast(platform, {key: platform.root.accounts.find_by_email(f"{key}@example.test")
                                 for key in CAST_KEYS}, platform.root.expertises[case_id], login_id)
        outcome(lambda: call(people))
        platform.transaction.commit()  # as a careless caller would: the refusal left nothing to commit

    assert database_state(db) == before
    assert db.recorder.events == []
