"""The write path, route by route and service by service.

**Every state-changing route** of the application is in :data:`ROUTES`: how
to drive it once as an actor allowed to change something, and as actors who
are refused (anonymous, another profile, forged input); the domain events an
allowed change emits. The routes are discovered from Pyramid's introspection
(:func:`discover_routes`): every view that accepts POST, PUT, PATCH or DELETE,
or that names no request method, of the core and of every installed plugin.
A new one without its row fails :func:`test_every_state_changing_route_has_its_row`:
add the row (or, for a page that only reads, an entry of :data:`READS_ONLY`
with the reason, which is checked too). An address whose views are limited
to several unsafe methods may have one row per method instead
(``route:/televersements/{id} PATCH`` and ``… DELETE``).

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

  One exception, in the table: a document's download and opening and the
  ZIP exports (issue #16) are links, GET, and the first one records the
  reader's receipt (``DocumentReceived``). They name no request method, so
  they are discovered; their rows drive them by GET.

For each row, the allowed drive must yield exactly the row's events, in order,
as a plugin of the test receives them after commit (``opalexe_event_committed``),
and each refused drive none, with the database exactly as before (every
object reachable from the ZODB root at the same revision:
:func:`database_state`) and the uploads folder too (:func:`spool_state`).

**Every service** of :mod:`opalexe_core.services` (a public function whose
first parameter is ``platform``) is in :data:`SERVICE_REFUSALS` (called
without the right it refuses, stores nothing, emits nothing; checked by
committing after the refusal) or in :data:`SERVICES_WITHOUT_CHANGE` with the
reason; :func:`test_every_service_has_its_refusal` fails on a new one.

**Storages.** Everything runs on FileStorage; on RelStorage, the rows whose
change reaches what differs there (:data:`RELSTORAGE_ROWS` and the
documents' rows) and a refusal of each services module
(:data:`RELSTORAGE_SERVICES`).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import inspect
import io
import os
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import webtest
from pyramid.interfaces import IException
from pyramid.static import static_view
from pyramid.traversal import find_resource
from ZODB.serialize import referencesf
from ZODB.utils import z64
from zope.interface.interfaces import IInterface

import opalexe_core.services
from opalexe_core.api import (
    AccountCourtChanged,
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    AccountRegistered,
    AuthenticationError,
    AuthMethod,
    DocumentDeposited,
    DocumentReceived,
    DocumentWithdrawn,
    DomainEvent,
    ExpertiseCreated,
    FolderAccessWithdrawn,
    FolderKind,
    Identity,
    JournalHeadSigned,
    LoginAttempt,
    LoginClosed,
    LoginEnd,
    LoginOpened,
    NotificationModeChanged,
    ObjectionRecorded,
    PaperServiceSet,
    ParticipantAdded,
    ParticipantDeactivated,
    ParticipantInvited,
    ParticipantReactivated,
    PartyAdded,
    Role,
    SaisineAccepted,
    SaisineClaimed,
    SaisineDeclined,
    SaisineOrderAttached,
    SaisineSent,
    SiteSettingsChanged,
    SoftwareCertificateIssued,
    SoftwareCertificateRevoked,
    StaffReplaced,
    StatusChanged,
    TermsAccepted,
    TermsPublished,
    UserError,
    hookimpl,
)
from opalexe_core.keystore import PKCS11Settings
from opalexe_core.plugins import installed_plugin_names, make_plugin_manager
from opalexe_core.resources.documents import Document, Nature
from opalexe_core.resources.saisine import Saisine
from opalexe_core.services import accounts as account_services
from opalexe_core.services import (
    auth,
    certificates,
    expertises,
    folder_access,
    invitations,
    lawyers,
    participants,
    saisines,
    site,
    terms,
)
from opalexe_core.services import journal as journal_services
from opalexe_core.services.demo import demo_email
from opalexe_core.services.documents import (
    UploadNotFound,
    cancel_upload,
    deliver_document,
    deposit_upload,
    find_upload,
    path_of,
    receive_chunk,
    receive_document,
    start_upload,
    upload_offset,
    withdraw_document,
)
from opalexe_core.services.export import export_archive
from opalexe_core.services.notifications import set_notification_mode
from opalexe_core.services.outbox import OutboxDispatcher
from opalexe_core.services.platform import Actor, Refused
from opalexe_core.services.sealing import SEGMENT_SIZE
from opalexe_core.services.uploads import Upload, UploadSpool
from opalexe_core.settings import DocumentSettings, Settings
from opalexe_core.storage import initialize, open_db, opened
from pytest_opalexe.documents import TUS, DummyMailer
from pytest_opalexe.web import (
    DEFAULT_PLUGINS,
    browser_client,
    close_app,
    demo_login,
    make_app,
    open_platform,
    platform_of,
    test_settings,
    token_settings,
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


def spool_state(directory: str | None) -> dict[str, str]:
    """Every file of the uploads folder (an upload's description, its sealed
    data, its progress) → the SHA-256 of its content. The uploads' lock files
    are left out: empty, they hold nothing (taking a lock creates one)."""
    state: dict[str, str] = {}
    if directory is None or not os.path.isdir(directory):
        return state
    for folder, _dirs, files in os.walk(directory):
        for name in files:
            if name != "lock":
                path = os.path.join(folder, name)
                with open(path, "rb") as file:
                    state[os.path.relpath(path, directory)] = hashlib.sha256(file.read()).hexdigest()
    return state


# -- the application a row is driven on -----------------------------------------------


class World:
    """The demo platform with a recording plugin; clients logged in as demo accounts."""

    def __init__(self, settings: dict):
        self.recorder = Recorder()
        self.app = make_app(settings, plugins={"recorder": self.recorder})
        self.db = self.app.registry._zodb_databases[""]
        self.uploads_dir = settings.get("opalexe.uploads.dir")

    def state(self) -> tuple[dict, dict]:
        """What a drive may change: the database, and the uploads folder
        (uploads are files there until they are deposited)."""
        return database_state(self.db), spool_state(self.uploads_dir)

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
    documents: bool = False  # the token with the documents' master key, and an uploads folder of the row's own


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


# -- issue #15: the case's page, creation, designations, folder grants, court staff -------------

TILLEULS, LAVAL, SAUMUR, LE_MANS = "18/00001", "20/01234", "19/00410", "17/00999"  # en cours, créée, terminée, archivée


def case_url_of(world, rg: str) -> str:
    with platform_of(world.app) as platform:
        case = next(case for case in platform.root.expertises.values() if case.rg == rg)
        return f"/expertises/{case.id}/"


def on_case(read, rg: str = TILLEULS):
    """What ``read(case, accounts)`` says of the demo case ``rg``."""

    def observe(world):
        with platform_of(world.app) as platform:
            case = next(case for case in platform.root.expertises.values() if case.rg == rg)
            return read(case, platform.root.accounts)

    return observe


def id_of(world, email: str) -> str:
    with platform_of(world.app) as platform:
        return platform.root.accounts.find_by_email(email).id


def party_id(world, name: str, rg: str = TILLEULS) -> str:
    return on_case(lambda case, accounts: next(p.id for p in case.parties if p.name == name), rg)(world)


def participant_active(key: str):
    return on_case(lambda case, accounts: case.participants[accounts.find_by_email(demo_email(key)).id].active)


def person_created(first: str, last: str, email: str, profile: str, court: str | None = None):
    """A row's setup: an account nobody added to a case yet (attached to ``court``)."""

    def setup(world):
        def create(platform, operator):
            account = account_services.create_account(platform, operator, first_name=first, last_name=last,
                                                      email=email, profile=profile)
            if court is not None:
                account_services.set_account_court(platform, operator, account, court)

        world.as_platform(create)

    return setup


def case_form(view: str, fields: dict, rg: str = TILLEULS, match: Callable = lambda world, form: True):
    """The case page's form posting to ``view`` (the first ``match`` accepts), filled with ``fields``
    (values: text, or a function of the world)."""

    def act(world, client):
        page = client.get(case_url_of(world, rg))
        form = next(form for form in page.forms.values()
                    if form.action.endswith("/" + view) and match(world, form))
        for name, value in fields.items():
            form[name] = value(world) if callable(value) else value
        return form.submit(expect_errors=True)

    return act


def case_post(view: str, fields: dict, rg: str = TILLEULS, csrf: bool = True):
    """A post to the case's ``view`` (values: text, or a function of the world)."""

    def act(world, client):
        data = {name: value(world) if callable(value) else value for name, value in fields.items()}
        return post(client, case_url_of(world, rg) + view, data, csrf=csrf)

    return act


def demo_id(key: str):
    return lambda world: world.account_id(key)


def demo_party(name: str, rg: str = TILLEULS):
    return lambda world: party_id(world, name, rg)


def for_account(key: str):
    return lambda world, form: form["account_id"].value == world.account_id(key)


def deactivated(key: str):
    """A row's setup: the demo account ``key`` set « inactif » in the TJ Angers case by the platform."""

    def setup(world):
        def change(platform, operator):
            case = next(case for case in platform.root.expertises.values() if case.rg == TILLEULS)
            participants.deactivate_participant(platform, operator, case, world.account_id(key), "Fin de mission")

        world.as_platform(change)

    return setup


def anonymous_and_outsiders(post_it, *outsiders: str, why: str = "does not manage the case") -> tuple[Drive, ...]:
    """Anonymous (to the login page) and ``outsiders`` (403)."""
    return (Drive(ANONYMOUS, post_it, (302,), "anonymous: to the login page", "/connexion"),
            *(Drive(key, post_it, (403,), f"{key}: {why}") for key in outsiders))


def case_fields(csrf_token, *, court="tj-angers", rg="21/00007", exp="21/7", preview_name="", button="apercu"):
    """A post of the creation form (``templates/expertise_new.pt``), as tests/conftest.py's ``case_form_fields``."""

    def party(name, kind):
        return [("__start__", "party:mapping"), ("name", name), ("__start__", "kind:rename"), ("kind", kind),
                ("__end__", "kind:rename"), ("__start__", "lawyers:sequence"), ("__end__", "lawyers:sequence"),
                ("__end__", "party:mapping")]

    def day(name, value):
        return [("__start__", f"{name}:mapping"), ("date", value), ("__end__", f"{name}:mapping")]

    return [("_charset_", "UTF-8"), ("__formid__", "form"), ("csrf_token", csrf_token),
            ("__start__", "court:mapping"), ("jurisdiction_code", court), ("magistrate", ""), ("clerk", ""),
            ("__end__", "court:mapping"), ("__start__", "numbers:mapping"), ("rg", rg), ("exp", exp),
            *day("order_date", "2021-03-01"), ("__end__", "numbers:mapping"), ("__start__", "parties:mapping"),
            ("__start__", "demandeurs:sequence"), *party("Lambert", "physique"), ("__end__", "demandeurs:sequence"),
            ("__start__", "defendeurs:sequence"), *party("SCI Les Saules", "morale"),
            ("__end__", "defendeurs:sequence"), ("__start__", "intervenants:sequence"),
            ("__end__", "intervenants:sequence"), ("__end__", "parties:mapping"),
            ("__start__", "mission:mapping"), ("mission", "Décrire."), *day("report_due", ""),
            ("__end__", "mission:mapping"), ("__start__", "consignation:mapping"), ("consignation_amount", ""),
            *day("consignation_due", ""), ("__end__", "consignation:mapping"),
            ("preview_name", preview_name), (button, button)]


def create_case(csrf: bool = True, **overrides):
    """« Voir le nom de l'expertise », then « Créer l'expertise » with the name shown."""

    def act(world, client):
        csrf_token = token(client) if csrf else ""
        preview = client.post("/expertises/nouvelle", case_fields(csrf_token, **overrides), expect_errors=True)
        if preview.status_int != 200:
            return preview
        name = preview.html.find(class_="case-name").text
        return client.post("/expertises/nouvelle", case_fields(csrf_token, preview_name=name, button="creer",
                                                               **overrides), expect_errors=True)

    return act


def case_count(world) -> int:
    with platform_of(world.app) as platform:
        return len(platform.root.expertises)


def saisine_fields(csrf_token, *, registered="", email="", rg="21/00042", exp="21/42"):
    """A post of the clerk's designation form (``templates/saisine_new.pt``)."""

    def party(name, kind):
        return [("__start__", "party:mapping"), ("name", name), ("__start__", "kind:rename"), ("kind", kind),
                ("__end__", "kind:rename"), ("__end__", "party:mapping")]

    return [("_charset_", "UTF-8"), ("__formid__", "form"), ("csrf_token", csrf_token),
            ("__start__", "expert:mapping"), ("registered", registered), ("expert_email", email),
            ("__end__", "expert:mapping"), ("__start__", "court:mapping"), ("magistrate", ""),
            ("__end__", "court:mapping"), ("__start__", "numbers:mapping"), ("rg", rg), ("exp", exp),
            ("__start__", "order_date:mapping"), ("date", "2021-04-02"), ("__end__", "order_date:mapping"),
            ("__end__", "numbers:mapping"), ("__start__", "parties:mapping"),
            ("__start__", "demandeurs:sequence"), *party("Lambert", "physique"), ("__end__", "demandeurs:sequence"),
            ("__start__", "defendeurs:sequence"), *party("SCI Les Saules", "morale"),
            ("__end__", "defendeurs:sequence"), ("__start__", "intervenants:sequence"),
            ("__end__", "intervenants:sequence"), ("__end__", "parties:mapping"), ("__start__", "mission:mapping"),
            ("mission", "Examiner la charpente."), ("__start__", "report_due:mapping"), ("date", ""),
            ("__end__", "report_due:mapping"), ("__end__", "mission:mapping"),
            ("__start__", "consignation:mapping"), ("consignation_amount", ""),
            ("__start__", "consignation_due:mapping"), ("date", ""), ("__end__", "consignation_due:mapping"),
            ("__end__", "consignation:mapping"), ("submit", "submit")]


def send_designation(csrf: bool = True, **fields):
    def act(world, client):
        return client.post("/saisines/nouvelle", saisine_fields(token(client) if csrf else "", **fields),
                           expect_errors=True)

    return act


def saisine_count(world) -> int:
    with platform_of(world.app) as platform:
        return len(platform.root.saisines)


def designation_sent(world) -> None:
    """A row's setup: the demo clerk designates the demo expert (a registered one: no mail)."""
    with platform_of(world.app) as platform:
        clerk = Actor(platform.root.accounts.find_by_email(demo_email("greffier")), AuthMethod.DEMO)
        saisine = saisines.send_saisine(platform, clerk, platform.root.jurisdictions["tj-angers"],
                                        expert_email=demo_email("expert"), data=designation())
        platform.transaction.commit()
        world.saisine_id = saisine.id


def invitation_waiting(world) -> None:
    """A row's setup: a designation of the TJ Angers waiting for an expert not
    registered yet, and its invitation's token. Stored as the platform, without
    sending it (the table's platform has no mail server: send_saisine's
    invitation is tests/views/test_saisine_pages.py's)."""
    with platform_of(world.app) as platform:
        saisine = Saisine(jurisdiction_code="tj-angers", sent_by=None, sent_at=platform.now(),
                          expert_email="invite@example.test", expert_account_id=None,
                          case={"rg": "21/00042", "exp": "21/42", "order_date": date(2021, 4, 2),
                                "parties": (("Lambert", "demandeur", "physique"), ("Saules", "defendeur", "morale"))})
        platform.root.saisines.add_saisine(saisine)
        platform.transaction.commit()
        world.saisine_id = saisine.id
        world.invitation = saisines.invitation_token(platform.settings.session_secret, saisine.id)


def saisine_url(world) -> str:
    return f"/saisines/{world.saisine_id}/"


def on_saisine(read):
    def observe(world):
        with platform_of(world.app) as platform:
            return read(platform.root.saisines[world.saisine_id])

    return observe


def decline_form(reason: str):
    def act(world, client):
        form = client.get(saisine_url(world)).forms["decline-form"]
        form["reason"] = reason
        return form.submit("submit", expect_errors=True)

    return act


def accept_designation(court: str | None = None):
    """« Accepter »: the form pre-filled from the designation, its name shown, then « Créer l'expertise »."""

    def act(world, client):
        form = client.get(saisine_url(world) + "accepter").forms["form"]
        if court is not None:
            form["jurisdiction_code"] = court
        preview = form.submit("apercu", expect_errors=True)
        if preview.status_int != 200:
            return preview
        return preview.forms["form"].submit("creer", expect_errors=True)

    return act


def forged(token: str) -> str:
    """``token`` with its first character changed: never the token itself."""
    return ("1" if token[0] == "0" else "0") + token[1:]


def claim_form(token_of: Callable = lambda world: world.invitation):
    """The invitation's link, then « Recevoir la désignation »."""

    def act(world, client):
        page = client.get(saisine_url(world) + "invitation", {"jeton": token_of(world)})
        return page.forms["form"].submit("submit", expect_errors=True)

    return act


def saisine_post(view: str, fields: dict | None = None, csrf: bool = True):
    def act(world, client):
        data = {name: value(world) if callable(value) else value for name, value in (fields or {}).items()}
        return post(client, saisine_url(world) + view, data, csrf=csrf)

    return act


ORDER_PDF = b"%PDF-1.4\n" + b"%" * 1500  # the designation order, a small PDF


def order_attached(world) -> None:
    """A row's setup: the clerk attached the designation order (through the service)."""
    with platform_of(world.app) as platform:
        clerk = Actor(platform.root.accounts.find_by_email(demo_email("greffier")), AuthMethod.DEMO)
        saisines.attach_order(platform, clerk, platform.root.saisines[world.saisine_id], filename="Ordonnance.pdf",
                              length=len(ORDER_PDF), read=io.BytesIO(ORDER_PDF).read)
        platform.transaction.commit()


def order_form(data: bytes = ORDER_PDF, filename: str = "Ordonnance.pdf"):
    """« Joindre l'ordonnance » of the designation's page (the clerk's form)."""

    def act(world, client):
        form = client.get(saisine_url(world)).forms["order-form"]
        form["file"] = webtest.Upload(filename, data, "application/pdf")
        return form.submit(expect_errors=True)

    return act


def order_post(csrf: bool = True, with_file: bool = True):
    """A post to « ordonnance » as the form would send it, for those the page shows no form."""

    def act(world, client):
        fields = {"csrf_token": token(client)} if csrf else {}
        files = [("file", "Ordonnance.pdf", ORDER_PDF)] if with_file else []
        return client.post(saisine_url(world) + "ordonnance", fields, upload_files=files, expect_errors=True)

    return act


NEW_MAGISTRATE = "luc.perrin@example.test"
INSURER = "igor.assur@example.test"
NEW_EXPERT = "lucie.blanc@example.test"


def staff_form(world, client):
    form = client.get("/juridictions/tj-angers/personnel").forms["form"]
    form["role"], form["old"], form["new"] = "magistrat", world.account_id("magistrat"), id_of(world, NEW_MAGISTRATE)
    return form.submit("submit", expect_errors=True)


def staff_post(court: str = "tj-angers", csrf: bool = True, **fields):
    def act(world, client):
        data = {"role": "magistrat", "old": world.account_id("magistrat"), "new": id_of(world, NEW_MAGISTRATE)}
        data.update({name: value(world) if callable(value) else value for name, value in fields.items()})
        return post(client, f"/juridictions/{court}/personnel", data, csrf=csrf)

    return act


def account_court_form(key: str, code: str):
    def act(world, client):
        page = client.get("/comptes/")
        form = next(form for form in page.forms.values()
                    if form.action.endswith("/juridiction") and f'data-email="{demo_email(key)}"' in form.text)
        form["court_code"].force_value(code)
        return form.submit(expect_errors=True)

    return act


def folder_grant(key: str):
    def observe(world):
        account_id = world.account_id(key)
        return on_case(lambda case, accounts: case.folders["01-expert-greffe-parties"].grant_of(account_id))(world)

    return observe


def grant_form(world, client):
    form = client.get(world.folder_url()).forms["grant-form"]
    form["account_id"], form["right"] = world.account_id("greffier"), "none"
    return form.submit("submit", expect_errors=True)


def folder_post(csrf: bool = True, **fields):
    def act(world, client):
        data = {"account_id": world.account_id("greffier"), "right": "none"}
        data.update({name: value(world) if callable(value) else value for name, value in fields.items()})
        return post(client, world.folder_url() + "acces", data, csrf=csrf)

    return act


ROUTES.update({
    "Expertise:statut": Row(
        allowed=Drive("expert", case_form("statut", {}, match=lambda w, form: form["status"].value == "terminee"),
                      (302,)),
        events=(StatusChanged,),
        observe=on_case(lambda case, accounts: case.status),
        expect=became("terminee"),
        refused=(
            *anonymous_and_outsiders(case_post("statut", {"status": "terminee"}), "avocat1", "coexpert",
                                     why="only the expert moves a case forward"),
            Drive("expert", case_post("statut", {"status": "creee"}), (302,), "a step back (back with an error)",
                  "#statut"),
            Drive("expert", case_post("statut", {"status": "pirate"}), (302,), "an unknown status", "#statut"),
            Drive("expert", case_post("statut", {"status": "en_cours"}, rg=LE_MANS), (302,),
                  "an archived case changes no more", "#statut"),
            Drive("expert", case_post("statut", {"status": "terminee"}, csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Expertise:participants": Row(
        setup=person_created("Lucie", "Blanc", NEW_EXPERT, "expert"),
        allowed=Drive("expert", case_form("participants", {"account_id": lambda w: id_of(w, NEW_EXPERT),
                                                           "role": "co_expert"}), (302,)),
        events=(ParticipantAdded,),
        observe=lambda world: on_case(lambda case, accounts: id_of(world, NEW_EXPERT) in case.participants)(world),
        expect=became(True),
        refused=(
            *anonymous_and_outsiders(case_post("participants", {"account_id": lambda w: id_of(w, NEW_EXPERT),
                                                                "role": "co_expert"}), "avocat1", "greffier"),
            Drive("expert", case_post("participants", {"account_id": "0123456789abcdef", "role": "co_expert"}),
                  (400,), "a forged account"),
            Drive("expert", case_post("participants", {"account_id": demo_id("avocat2"), "role": "avocat",
                                                       "party_id": demo_party("Dupont")}), (400,),
                  "an account already in the case"),
            Drive("expert", case_post("participants", {"account_id": lambda w: id_of(w, NEW_EXPERT),
                                                       "role": "expert"}), (400,), "a second expert"),
            Drive("expert", case_post("participants", {"account_id": lambda w: id_of(w, NEW_EXPERT),
                                                       "role": "avocat", "party_id": demo_party("Dupont")}),
                  (400,), "a role the account's profile cannot play"),
            Drive("expert", case_post("participants", {"account_id": lambda w: id_of(w, NEW_EXPERT),
                                                       "role": "co_expert"}, rg=SAUMUR), (400,),
                  "a case « terminée » takes no new participant"),
            Drive("expert", case_post("participants", {"account_id": lambda w: id_of(w, NEW_EXPERT),
                                                       "role": "co_expert"}, csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Expertise:desactiver": Row(
        allowed=Drive("expert", case_form("desactiver", {"reason": "Fin de la médiation"},
                                          match=for_account("mediateur")), (302,)),
        events=(ParticipantDeactivated,),
        observe=participant_active("mediateur"),
        expect=became(False),
        refused=(
            *anonymous_and_outsiders(case_post("desactiver", {"account_id": demo_id("mediateur")}), "avocat1",
                                     "mediateur"),
            Drive("expert", case_post("desactiver", {"account_id": demo_id("expert")}), (302,),
                  "the case's expert (back with an error)", "#participants"),
            Drive("coexpert", case_post("desactiver", {"account_id": demo_id("coexpert")}), (302,),
                  "oneself (back with an error)", "#participants"),
            Drive("expert", case_post("desactiver", {"account_id": "0123456789abcdef"}), (302,),
                  "a forged account (back with an error)", "#participants"),
            Drive("expert", case_post("desactiver", {"account_id": demo_id("mediateur")}, rg=LE_MANS), (302,),
                  "an archived case changes no more", "#participants"),
            Drive("expert", case_post("desactiver", {"account_id": demo_id("mediateur")}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "Expertise:reactiver": Row(
        setup=deactivated("mediateur"),
        allowed=Drive("expert", case_form("reactiver", {}, match=for_account("mediateur")), (302,)),
        events=(ParticipantReactivated,),
        observe=participant_active("mediateur"),
        expect=became(True),
        refused=(
            *anonymous_and_outsiders(case_post("reactiver", {"account_id": demo_id("mediateur")}), "avocat1",
                                     "greffier"),
            Drive("expert", case_post("reactiver", {"account_id": demo_id("avocat2")}), (302,),
                  "an active participant (back with an error)", "#participants"),
            Drive("expert", case_post("reactiver", {"account_id": "0123456789abcdef"}), (302,),
                  "a forged account (back with an error)", "#participants"),
            Drive("expert", case_post("reactiver", {"account_id": demo_id("mediateur")}, rg=LAVAL), (302,),
                  "a participant active in another case (back with an error)", "#participants"),
            Drive("expert", case_post("reactiver", {"account_id": demo_id("mediateur")}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
    "Expertise:parties": Row(
        allowed=Drive("expert", case_form("parties", {"name": "Compagnie Alpha", "side": "intervenant"}), (302,)),
        events=(PartyAdded,),
        observe=on_case(lambda case, accounts: [party.name for party in case.parties]),
        expect=lambda before, after: after == [*before, "Compagnie Alpha"],
        refused=(
            *anonymous_and_outsiders(case_post("parties", {"name": "Pirate", "side": "intervenant",
                                                           "kind": "morale"}), "avocat1", "magistrat"),
            Drive("expert", case_post("parties", {"name": "Dupont", "side": "intervenant", "kind": "physique"}),
                  (400,), "a party already in the case"),
            Drive("expert", case_post("parties", {"name": "Compagnie Alpha", "side": "pirate", "kind": "morale"}),
                  (400,), "an unknown side"),
            Drive("expert", case_post("parties", {"name": "   ", "side": "intervenant", "kind": "morale"}),
                  (400,), "no name"),
            Drive("expert", case_post("parties", {"name": "Compagnie Alpha", "side": "intervenant",
                                                  "kind": "morale"}, rg=SAUMUR), (400,),
                  "a case « terminée » takes no new party"),
            Drive("expert", case_post("parties", {"name": "Compagnie Alpha", "side": "intervenant",
                                                  "kind": "morale"}, csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Expertise:signalement": Row(
        allowed=Drive("expert", case_form("signalement", {"reason": "refus"},
                                          match=lambda w, form: form["party_id"].value == party_id(w, "Dupont")
                                          and form["reason"].value != ""), (302,)),
        events=(PaperServiceSet,),
        observe=on_case(lambda case, accounts: next(p.paper_reason for p in case.parties if p.name == "Dupont")),
        expect=became("refus"),
        refused=(
            *anonymous_and_outsiders(case_post("signalement", {"party_id": demo_party("Dupont"),
                                                               "reason": "refus"}), "avocat1", "intervenant"),
            Drive("expert", case_post("signalement", {"party_id": demo_party("Lefèvre", LAVAL), "reason": "refus"}),
                  (302,), "another case's party (back with an error)", "#parties"),
            Drive("expert", case_post("signalement", {"party_id": demo_party("Dupont"), "reason": "pirate"}),
                  (302,), "an unknown reason (back with an error)", "#parties"),
            Drive("expert", case_post("signalement", {"party_id": demo_party("SARL Bâti Ouest"),
                                                      "reason": "defaillante"}), (302,),
                  "a party already flagged for that reason", "#parties"),
            Drive("expert", case_post("signalement", {"party_id": demo_party("Dupont"), "reason": ""}), (302,),
                  "clearing a flag the party does not have", "#parties"),
            Drive("expert", case_post("signalement", {"party_id": demo_party("Morel", LE_MANS), "reason": "refus"},
                                      rg=LE_MANS), (302,), "an archived case changes no more", "#parties"),
            Drive("expert", case_post("signalement", {"party_id": demo_party("Dupont"), "reason": "refus"},
                                      csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Expertise:opposition": Row(
        setup=person_created("Igor", "Assur", INSURER, "intervenant"),
        allowed=Drive("expert", case_form("opposition", {"party_id": demo_party("Dupont"),
                                                         "account_id": lambda w: id_of(w, INSURER),
                                                         "reason": "Assureur de la partie adverse"}), (302,)),
        events=(ObjectionRecorded,),
        observe=on_case(lambda case, accounts: len(case.objections)),
        expect=one_more,
        refused=(
            *anonymous_and_outsiders(case_post("opposition", {"party_id": demo_party("Dupont"),
                                                              "account_id": lambda w: id_of(w, INSURER)}),
                                     "avocat1", "greffier"),
            Drive("expert", case_post("opposition", {"party_id": demo_party("Dupont"),
                                                     "account_id": demo_id("intervenant")}), (400,),
                  "a participant who is not an insurer's expert"),
            Drive("expert", case_post("opposition", {"party_id": demo_party("Lefèvre", LAVAL),
                                                     "account_id": lambda w: id_of(w, INSURER)}), (400,),
                  "another case's party"),
            Drive("expert", case_post("opposition", {"party_id": demo_party("Dupont"),
                                                     "account_id": demo_id("avocat1")}), (400,),
                  "a lawyer is no insurer's expert"),
            Drive("expert", case_post("opposition", {"party_id": demo_party("Dupont"),
                                                     "account_id": lambda w: id_of(w, INSURER)}, csrf=False),
                  (400,), "no CSRF token"),
        ),
    ),
    "Folder:acces": Row(
        allowed=Drive("expert", grant_form, (302,)),
        events=(FolderAccessWithdrawn,),
        observe=folder_grant("greffier"),
        expect=became("none"),
        refused=(
            Drive(ANONYMOUS, folder_post(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("avocat1", folder_post(), (403,), "sees the folder, does not manage the case"),
            Drive("greffier", folder_post(account_id=demo_id("avocat1")), (403,),
                  "sees the folder, does not manage the case"),
            Drive("expert", folder_post(account_id=demo_id("expert")), (400,), "the expert keeps every folder"),
            Drive("expert", folder_post(account_id=demo_id("admin")), (400,), "an account outside the case"),
            Drive("expert", folder_post(account_id="0123456789abcdef"), (400,), "a forged account"),
            Drive("expert", folder_post(right="tout"), (400,), "an unknown right"),
            Drive("expert", folder_post(account_id=demo_id("mediateur"), right="deposit"), (400,),
                  "the mediator reads without depositing"),
            Drive("expert", folder_post(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Jurisdiction:personnel": Row(
        setup=person_created("Luc", "Perrin", NEW_MAGISTRATE, "magistrat", court="tj-angers"),
        allowed=Drive("greffier", staff_form, (302,), lands="/personnel"),
        events=(StaffReplaced,),
        observe=lambda world: on_case(lambda case, accounts: (id_of(world, NEW_MAGISTRATE) in case.participants,
                                                              case.participants[world.account_id("magistrat")]
                                                              .active))(world),
        expect=lambda before, after: before == (False, True) and after == (True, False),
        refused=(
            Drive(ANONYMOUS, staff_post(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("expert", staff_post(), (403,), "not the court's staff"),
            Drive("avocat1", staff_post(), (403,), "not the court's staff"),
            Drive("greffier", staff_post(court="tj-laval"), (403,), "another court's clerk"),
            Drive("greffier", staff_post(old=lambda w: id_of(w, NEW_MAGISTRATE), new=demo_id("magistrat")),
                  (400,), "someone who serves no running case of the court"),
            Drive("greffier", staff_post(new=demo_id("magistrat")), (400,), "replaced by oneself"),
            Drive("greffier", staff_post(new=demo_id("expert")), (400,), "a replacement who cannot hold the role"),
            Drive("greffier", staff_post(role="expert"), (400,), "an unknown role"),
            Drive("greffier", staff_post(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Account:juridiction": Row(
        allowed=Drive("admin", account_court_form("greffier", "tj-laval"), (302,), lands="/comptes/"),
        events=(AccountCourtChanged,),
        observe=lambda world: world.account("greffier", lambda account: account.court_code),
        expect=became("tj-laval"),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, w.account_url("greffier", "juridiction"), {"court_code": "tj-laval"}),
                  (302,), "anonymous: to the login page", "/connexion"),
            Drive("greffier", lambda w, c: post(c, w.account_url("greffier", "juridiction"),
                                                {"court_code": "tj-laval"}), (403,), "not an administrator"),
            Drive("admin", account_court_form("greffier", "tj-atlantide"), (302,),
                  "an unknown court (back with an error)", "/comptes/"),
            Drive("admin", account_court_form("greffier", "tj-angers"), (302,),
                  "the court it is attached to already (back with an error)", "/comptes/"),
            Drive("admin", lambda w, c: post(c, w.account_url("expert", "juridiction"), {"court_code": "tj-laval"}),
                  (302,), "an expert's account (back with an error)", "/comptes/"),
            Drive("admin", lambda w, c: post(c, w.account_url("greffier", "juridiction"), {"court_code": "tj-laval"},
                                             csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Expertises:nouvelle": Row(
        allowed=Drive("expert", create_case(), (302,)),
        events=(ExpertiseCreated,),
        observe=case_count,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, lambda w, c: c.post("/expertises/nouvelle", case_fields(token(c)), expect_errors=True),
                  (302,), "anonymous: to the login page", "/connexion"),
            *(Drive(key, lambda w, c: c.post("/expertises/nouvelle", case_fields(token(c), button="creer"),
                                             expect_errors=True), (403,), "only an expert creates a case")
              for key in ("avocat1", "greffier", "admin")),
            Drive("expert", lambda w, c: c.post("/expertises/nouvelle", case_fields(token(c)), expect_errors=True),
                  (200,), "« Voir le nom de l'expertise » only shows the name"),
            Drive("expert", lambda w, c: c.post("/expertises/nouvelle", case_fields(
                token(c), preview_name="Un autre nom", button="creer"), expect_errors=True),
                  (200,), "a name that is not the one computed: shown again, nothing created"),
            Drive("expert", create_case(rg="18/00099", exp="18/00001"), (400,), "an EXP the court already gave"),
            Drive("expert", create_case(court="tj-atlantide"), (400,), "an unknown court"),
            Drive("expert", create_case(rg="vingt"), (400,), "a malformed RG"),
            Drive("expert", create_case(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Saisines:nouvelle": Row(
        allowed=Drive("greffier", send_designation(registered=demo_email("coexpert")), (302,)),  # to its page
        events=(SaisineSent,),
        observe=saisine_count,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, send_designation(registered=demo_email("coexpert")), (302,),
                  "anonymous: to the login page", "/connexion"),
            *(Drive(key, send_designation(registered=demo_email("coexpert")), (403,), "not a court's clerk")
              for key in ("expert", "magistrat", "admin")),
            Drive("greffier", send_designation(email=demo_email("avocat1")), (400,), "a lawyer's address"),
            Drive("greffier", send_designation(email="pas-une-adresse"), (400,), "an invalid address"),
            Drive("greffier", send_designation(registered=demo_email("coexpert"), rg="vingt"), (400,),
                  "a malformed RG"),
            Drive("greffier", send_designation(registered=demo_email("coexpert"), exp="18/00001"), (400,),
                  "an EXP the court already gave"),
            Drive("greffier", send_designation(csrf=False, registered=demo_email("coexpert")), (400,),
                  "no CSRF token"),
        ),
    ),
    "Saisine:refuser": Row(
        setup=designation_sent,
        allowed=Drive("expert", decline_form("Je suis l'expert d'une des parties dans une autre affaire."), (302,)),
        events=(SaisineDeclined,),
        observe=on_saisine(lambda saisine: (saisine.status, saisine.decline_reason)),
        expect=lambda before, after: before == ("envoyee", "") and after[0] == "refusee" and after[1],
        refused=(
            Drive(ANONYMOUS, saisine_post("refuser", {"reason": "Non"}), (302,), "anonymous: to the login page",
                  "/connexion"),
            Drive("coexpert", saisine_post("refuser", {"reason": "Non"}), (403,), "not addressed to it"),
            Drive("greffier", saisine_post("refuser", {"reason": "Non"}), (403,),
                  "the clerk reads the designation, does not answer it"),
            Drive("expert", decline_form("   "), (400,), "no reason"),
            Drive("expert", saisine_post("refuser", {"reason": "Non"}, csrf=False), (400,), "no CSRF token"),
        ),
    ),
    # The designation carries its order: accepting deposits it in the new case (issue 15 meets issue 16).
    "Saisine:accepter": Row(
        documents=True,
        setup=lambda world: (designation_sent(world), order_attached(world)),
        allowed=Drive("expert", accept_designation(), (302,)),
        events=(SaisineAccepted, DocumentDeposited),
        observe=lambda world: (on_saisine(lambda saisine: saisine.status)(world), case_count(world)),
        expect=lambda before, after: before[0] == "envoyee" and after == ("acceptee", before[1] + 1),
        refused=(
            Drive(ANONYMOUS, saisine_post("accepter"), (302,), "anonymous: to the login page", "/connexion"),
            Drive("coexpert", saisine_post("accepter"), (403,), "not addressed to it"),
            Drive("greffier", saisine_post("accepter"), (403,),
                  "the clerk reads the designation, does not answer it"),
            Drive("expert", accept_designation(court="tj-laval"), (400,), "another court than the one designating"),
            Drive("expert", saisine_post("accepter", csrf=False), (400,), "no CSRF token"),
        ),
    ),
    # The designation's ACL knows no invited expert yet: the page is public,
    # the service refuses (a 302 back to the dashboard with the error).
    "Saisine:recevoir": Row(
        setup=invitation_waiting,
        allowed=Drive("expert", claim_form(), (302,)),
        events=(SaisineClaimed,),
        observe=on_saisine(lambda saisine: saisine.expert_account_id is not None),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, saisine_post("recevoir", {"jeton": lambda w: w.invitation}), (302,),
                  "nobody logged in (back with an error)", "/"),
            Drive("avocat1", saisine_post("recevoir", {"jeton": lambda w: w.invitation}), (302,),
                  "not an expert (back with an error)", "/"),
            Drive("expert", claim_form(lambda world: forged(world.invitation)), (302,),
                  "a token nobody sent (back with an error)", "/"),
            Drive("expert", saisine_post("recevoir", {"jeton": lambda w: w.invitation}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
})

ROUTES.update({
    # The clerk attaches the designation order: sealed into a blob of the designation (the uploads
    # folder, its way in, is left empty: the state witness covers it).
    "Saisine:ordonnance": Row(
        documents=True,
        setup=designation_sent,
        allowed=Drive("greffier", order_form(), (302,)),
        events=(SaisineOrderAttached,),
        observe=on_saisine(lambda saisine: saisine.order.sha256 if saisine.order is not None else None),
        expect=lambda before, after: before is None and after == hashlib.sha256(ORDER_PDF).hexdigest(),
        refused=(
            Drive(ANONYMOUS, order_post(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("expert", order_post(), (403,), "the addressed expert reads the order, does not attach it"),
            Drive("magistrat", order_post(), (403,), "the court's magistrate is not its clerk"),
            Drive("avocat1", order_post(), (403,), "a lawyer does not even see the designation"),
            Drive("greffier", order_form(b"PK\x03\x04" + b"\0" * 600), (302,),
                  "a ZIP named .pdf: back with the error, nothing stored"),
            Drive("greffier", order_form(b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "Ordonnance.png"), (302,),
                  "an image: the order is a PDF"),
            Drive("greffier", order_post(with_file=False), (302,), "no file chosen"),
            Drive("greffier", order_post(csrf=False), (400,), "no CSRF token"),
        ),
    ),
})

READS_ONLY.update({
    "Saisines:": ("the designations: its court's for a clerk, its own for an expert", "greffier",
                  lambda world: "/saisines/"),
    "Saisine:": ("a designation's page", "expert", saisine_url),
    "Saisine:invitation": ("the invitation link's page: its form posts to « recevoir »", "expert",
                           lambda world: f"{saisine_url(world)}invitation?jeton={world.invitation}"),
})

#: What a page of READS_ONLY needs beforehand (as the platform).
READS_ONLY_SETUP = {"Saisine:": designation_sent, "Saisine:invitation": invitation_waiting}


# -- issue #16: documents (tus uploads, deposits, receipts, withdrawal), the ZIP export, notifications ----------
#
# The uploads are files of the uploads folder until their deposit (the state
# witness covers that folder too: :meth:`World.state`). Opening, downloading
# and exporting a document are GET (a link, a browser's viewer): the first
# time a participant reads a document, the GET records its receipt
# (DocumentReceived), the date the law counts from. Those views name no
# request method, so they are discovered and driven here, by GET; a POST to
# them without the CSRF token is refused like any other.

PDF = b"%PDF-1.4\n" + b"%" * 1200  # a small file of an accepted format
GUESSED_UPLOAD = "A" * 32  # an id of the right shape that nobody was given


def folder_of(case, kind: str):
    """The case's first folder of ``kind`` (folders nest: « Greffe / Rapport définitif »)."""
    todo = list(case.folders.values())
    while todo:
        folder = todo.pop(0)
        if folder.kind == kind:
            return folder
        todo.extend(child for child in folder.values() if hasattr(child, "kind"))
    raise LookupError(kind)


def folder_url_of(world, kind: str = FolderKind.EXPERT_GREFFE_PARTIES, rg: str = TILLEULS) -> str:
    with platform_of(world.app) as platform:
        case = next(case for case in platform.root.expertises.values() if case.rg == rg)
        return "/" + "/".join(path_of(folder_of(case, kind))) + "/"


def as_demo(platform, key: str) -> Actor:
    return Actor(platform.root.accounts.find_by_email(demo_email(key)), AuthMethod.DEMO)


def send_upload(world, key: str, kind: str, received: bytes = b"", filename: str = "Note.pdf") -> str:
    """An upload of ``PDF`` by ``key`` into the TJ Angers folder of ``kind``,
    its first ``received`` bytes sent (through the services, as the tus views do): its id."""
    with platform_of(world.app) as platform:
        actor = as_demo(platform, key)
        case = next(case for case in platform.root.expertises.values() if case.rg == TILLEULS)
        upload = start_upload(platform, actor, folder_of(case, kind), filename=filename, length=len(PDF))
        if received:
            receive_chunk(platform, actor, upload, 0, io.BytesIO(received).read, len(received))
        return upload.id


def deposited(world, key: str = "expert", kind: str = FolderKind.MAGISTRAT_EXPERT, name: str = "document") -> None:
    """A document of ``key`` in the TJ Angers folder of ``kind``: ``world.<name>`` is its address."""
    upload_id = send_upload(world, key, kind, PDF)
    with platform_of(world.app) as platform:
        actor = as_demo(platform, key)
        document = deposit_upload(platform, actor, find_upload(platform, actor, upload_id))
        platform.transaction.commit()
        setattr(world, name, "/" + "/".join(path_of(document)) + "/")


def received_by(key: str, name: str = "document"):
    """A row's setup: ``key`` has received the document already."""

    def setup(world):
        with platform_of(world.app) as platform:
            document = find_resource(platform.root, getattr(world, name))
            receive_document(platform, as_demo(platform, key), document, "telechargement")
            platform.transaction.commit()

    return setup


def document_in(world, rg: str, name: str = "document") -> str:
    """The document's address with another case in place of its own."""
    _empty, _expertises, _case_id, *rest = getattr(world, name).split("/")
    return case_url_of(world, rg) + "/".join(rest)


def on_document(read, name: str = "document"):
    def observe(world):
        with platform_of(world.app) as platform:
            return read(find_resource(platform.root, getattr(world, name)))

    return observe


def receipts(world) -> int:
    return on_document(lambda document: len(document.receipts))(world)


def documents_in(kind: str):
    def observe(world):
        with platform_of(world.app) as platform:
            case = next(case for case in platform.root.expertises.values() if case.rg == TILLEULS)
            return len(folder_of(case, kind).documents)

    return observe


def uploads(world) -> int:
    return len(os.listdir(world.uploads_dir)) if os.path.isdir(world.uploads_dir) else 0


def upload_offset_of(world) -> int:
    with platform_of(world.app) as platform:
        actor = as_demo(platform, "expert")
        return upload_offset(platform, actor, find_upload(platform, actor, world.upload_id))


def documents_setup(*steps):
    def setup(world):
        for step in steps:
            step(world)

    return setup


def an_upload(received: bytes = b"", name: str = "upload_id"):
    """A row's setup: the expert's upload of ``PDF`` into « expert → greffe et parties », ``received`` sent."""

    def setup(world):
        setattr(world, name, send_upload(world, "expert", FolderKind.EXPERT_GREFFE_PARTIES, received))

    return setup


def tus_start(kind: str = FolderKind.EXPERT_GREFFE_PARTIES, rg: str = TILLEULS, csrf: bool = True,
              length: int | None = None, metadata: str | None = None, **meta):
    """``POST <folder>/televersements`` (tus creation), as the folder page's script sends it."""

    def act(world, client):
        values = {"filename": "Rapport.pdf", **meta}
        headers = {**TUS, "Upload-Length": str(len(PDF) if length is None else length),
                   "Upload-Metadata": metadata if metadata is not None else ",".join(
                       f"{key} {base64.b64encode(value(world) if callable(value) else value.encode()).decode()}"
                       for key, value in values.items())}
        if csrf:
            headers["X-CSRF-Token"] = token(client)
        return client.post(folder_url_of(world, kind, rg) + "televersements", b"", headers=headers,
                           expect_errors=True)

    return act


def upload_address(world, upload_id: str | None) -> str:
    return f"/televersements/{upload_id or world.upload_id}"


def tus_patch(chunk: bytes = PDF, offset: int = 0, upload_id: str | None = None, csrf: bool = True,
              content_type: str = "application/offset+octet-stream"):
    def act(world, client):
        headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": content_type}
        if csrf:
            headers["X-CSRF-Token"] = token(client)
        return client.patch(upload_address(world, upload_id), chunk, headers=headers, expect_errors=True)

    return act


def tus_delete(upload_id: str | None = None, csrf: bool = True):
    def act(world, client):
        headers = {**TUS, "X-CSRF-Token": token(client)} if csrf else dict(TUS)
        return client.delete(upload_address(world, upload_id), headers=headers, expect_errors=True)

    return act


def tus_deposit(upload_id: str | None = None, csrf: bool = True):
    def act(world, client):
        headers = {"X-CSRF-Token": token(client)} if csrf else {}
        return client.post(upload_address(world, upload_id) + "/depot", b"", headers=headers, expect_errors=True)

    return act


def get(address: Callable[[World], str], view: str = "telecharger", **headers):
    def act(world, client):
        return client.get(address(world) + view, headers=headers, expect_errors=True)

    return act


def the_document(world) -> str:
    return world.document


def another_case(rg: str):
    return lambda world: document_in(world, rg)


def forged_document(world) -> str:
    return world.document.rsplit("/", 2)[0] + "/0123456789abcdef/"


def posted(address: Callable[[World], str], view: str, fields: dict | None = None, csrf: bool = True):
    def act(world, client):
        return post(client, address(world) + view, fields, csrf=csrf)

    return act


def withdraw_form(reason: str):
    """The document page's « Retirer le document »."""

    def act(world, client):
        form = next(form for form in client.get(world.document).forms.values() if form.action.endswith("/retrait"))
        form["reason"] = reason
        return form.submit("submit", expect_errors=True)

    return act


def notification_form(mode: str):
    def act(world, client):
        form = client.get("/notifications").forms["form"]
        radios = next(name for name, fields in form.fields.items()
                      if any(value == mode for value, _selected, *_text in getattr(fields[0], "options", ())))
        form[radios] = mode  # Deform names the radio buttons by their widget, under « mode »
        return form.submit("submit", expect_errors=True)

    return act


def notification_mode(key: str):
    def observe(world):
        account_id = world.account_id(key)
        with platform_of(world.app) as platform:
            return str(platform.root.notifications.mode(account_id))

    return observe


def receipt_rows(view: str, how: str) -> Row:
    """The download (``telecharger``) and the opening (``ouvrir``) of the
    expert's note to the judge (« magistrat → expert », confidential): the
    magistrate's first reading is its receipt, recorded as ``how``; the
    clerk received it already."""
    reader = get(the_document, view)
    return Row(
        documents=True,
        setup=documents_setup(deposited, received_by("greffier")),
        allowed=Drive("magistrat", reader, (200,)),
        events=(DocumentReceived,),
        observe=on_document(lambda document: sorted(receipt.how for receipt in document.receipts.values())),
        expect=lambda before, after: after == sorted([*before, how]),
        refused=(
            Drive(ANONYMOUS, reader, (302,), "anonymous: to the login page", "/connexion"),
            Drive("avocat1", reader, (403,), "a party's lawyer does not read the confidential folder"),
            Drive("sapiteur", reader, (403,), "the sapiteur does not read the confidential folder"),
            Drive("expert", reader, (200,), "the depositor: no receipt of its own document"),
            Drive("greffier", reader, (200,), "received already: the first receipt stays, no second"),
            Drive("magistrat", get(another_case(LAVAL), view), (404,), "the document under another case"),
            Drive("magistrat", get(forged_document, view), (404,), "a document id nobody was given"),
            Drive("magistrat", get(the_document, view, Range="bytes=999999-"), (416,),
                  "a range beyond the file: nothing served, nothing received"),
            Drive("magistrat", posted(the_document, view, csrf=False), (400,), "a POST without CSRF token"),
        ),
    )


ROUTES.update({
    "Folder:televersements": Row(
        documents=True,
        setup=deposited,  # in « magistrat → expert »: a document of another folder
        allowed=Drive("expert", tus_start(), (201,)),
        events=(),  # nothing on record yet: the bytes come next
        observe=uploads,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, tus_start(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("avocat1", tus_start(), (403,), "a lawyer reads the expert's folder, does not deposit there"),
            Drive("mediateur", tus_start(), (403,), "the mediator reads without depositing"),
            Drive("avocat1", tus_start(FolderKind.MAGISTRAT_EXPERT), (403,), "a folder it cannot even read"),
            Drive("expert", tus_start(rg=LE_MANS), (403,), "an archived case takes no deposit"),
            Drive("expert", tus_start(filename="programme.exe"), (415,), "a forbidden format"),
            Drive("expert", tus_start(length=2 * 1024**3 + 1), (413,), "a size over the limit (2 Go)"),
            Drive("expert", tus_start(length=0), (400,), "an empty file"),
            Drive("expert", tus_start(length="beaucoup"), (400,), "no readable length"),
            Drive("expert", tus_start(metadata="filename %%%"), (400,), "an unreadable description"),
            Drive("expert", tus_start(replaces=lambda w: w.document.rstrip("/").rsplit("/", 1)[1].encode()), (400,),
                  "correcting another folder's document"),
            Drive("expert", tus_start(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "route:/televersements/{id} PATCH": Row(
        documents=True,
        setup=an_upload(),
        allowed=Drive("expert", tus_patch(), (204,)),
        events=(),
        observe=upload_offset_of,
        expect=became(len(PDF)),
        refused=(
            Drive(ANONYMOUS, tus_patch(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("coexpert", tus_patch(), (404,), "another's upload (the co-expert deposits there too): not found"),
            Drive("expert", tus_patch(upload_id=GUESSED_UPLOAD), (404,), "a guessed upload id"),
            Drive("expert", tus_patch(upload_id="pas-un-identifiant"), (404,), "a forged upload id"),
            Drive("expert", tus_patch(offset=5), (409,), "not where the upload stands"),
            Drive("expert", tus_patch(content_type="text/plain"), (415,), "not a tus chunk"),
            Drive("expert", tus_patch(b"<html>" + b" " * (len(PDF) - 6)), (415,),
                  "a content that is not the PDF announced"),
            Drive("expert", tus_patch(PDF + b"en trop"), (400,), "more than the length announced"),
            Drive("expert", tus_patch(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "route:/televersements/{id} DELETE": Row(
        documents=True,
        setup=an_upload(PDF[:100]),
        allowed=Drive("expert", tus_delete(), (204,)),
        events=(),
        observe=uploads,
        expect=one_less,
        refused=(
            Drive(ANONYMOUS, tus_delete(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("coexpert", tus_delete(), (404,), "another's upload: not found"),
            Drive("expert", tus_delete(upload_id=GUESSED_UPLOAD), (404,), "a guessed upload id"),
            Drive("expert", tus_delete(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "route:/televersements/{id}/depot": Row(
        documents=True,
        setup=documents_setup(an_upload(PDF), an_upload(PDF[:100], name="partial_upload_id")),
        allowed=Drive("expert", tus_deposit(), (200,)),
        events=(DocumentDeposited,),
        observe=documents_in(FolderKind.EXPERT_GREFFE_PARTIES),
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, tus_deposit(), (302,), "anonymous: to the login page", "/connexion"),
            Drive("coexpert", tus_deposit(), (404,), "another's upload: not found"),
            Drive("expert", tus_deposit(upload_id=GUESSED_UPLOAD), (404,), "a guessed upload id"),
            Drive("expert", lambda w, c: tus_deposit(w.partial_upload_id)(w, c), (409,), "a file not fully received"),
            Drive("expert", tus_deposit(csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Document:telecharger": receipt_rows("telecharger", "telechargement"),
    "Document:ouvrir": receipt_rows("ouvrir", "ouverture"),
    "Document:retrait": Row(
        documents=True,
        setup=lambda world: deposited(world, "expert", FolderKind.EXPERT_GREFFE_PARTIES),
        allowed=Drive("expert", withdraw_form("Version erronée"), (302,)),
        events=(DocumentWithdrawn,),
        observe=on_document(lambda document: document.withdrawn),
        expect=became(True),
        refused=(
            Drive(ANONYMOUS, posted(the_document, "retrait", {"reason": "x"}), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("avocat1", posted(the_document, "retrait", {"reason": "x"}), (403,),
                  "reads it, neither its depositor nor the expert"),
            Drive("mediateur", posted(the_document, "retrait", {"reason": "x"}), (403,),
                  "reads it, neither its depositor nor the expert"),
            Drive("expert", posted(another_case(LAVAL), "retrait", {"reason": "x"}), (404,),
                  "the document under another case"),
            Drive("expert", withdraw_form("   "), (400,), "no reason"),
            Drive("expert", posted(the_document, "retrait", {"reason": "x"}, csrf=False), (400,), "no CSRF token"),
        ),
    ),
    "Folder:export.zip": Row(
        documents=True,
        setup=deposited,
        allowed=Drive("magistrat", get(lambda w: folder_url_of(w, FolderKind.MAGISTRAT_EXPERT), "export.zip"),
                      (200,)),
        events=(DocumentReceived,),  # one per document the archive holds, here one
        observe=receipts,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, get(lambda w: folder_url_of(w, FolderKind.MAGISTRAT_EXPERT), "export.zip"), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("avocat1", get(lambda w: folder_url_of(w, FolderKind.MAGISTRAT_EXPERT), "export.zip"), (403,),
                  "a folder it cannot read"),
            Drive("expert", get(lambda w: folder_url_of(w, FolderKind.MAGISTRAT_EXPERT), "export.zip"), (200,),
                  "the depositor: no receipt of its own document"),
            Drive("magistrat", posted(lambda w: folder_url_of(w, FolderKind.MAGISTRAT_EXPERT), "export.zip",
                                      csrf=False), (400,), "a POST without CSRF token"),
        ),
    ),
    "Expertise:export.zip": Row(
        documents=True,
        setup=deposited,
        allowed=Drive("magistrat", get(lambda w: w.case_url(), "export.zip"), (200,)),
        events=(DocumentReceived,),
        observe=receipts,
        expect=one_more,
        refused=(
            Drive(ANONYMOUS, get(lambda w: w.case_url(), "export.zip"), (302,), "anonymous: to the login page",
                  "/connexion"),
            Drive("admin", get(lambda w: w.case_url(), "export.zip"), (403,), "not in the case"),
            Drive("avocat1", get(lambda w: w.case_url(), "export.zip"), (200,),
                  "the archive of what it reads: the confidential note is not in it, nor received"),
            Drive("expert", get(lambda w: w.case_url(), "export.zip"), (200,),
                  "the depositor: no receipt of its own document"),
            Drive("magistrat", posted(lambda w: w.case_url(), "export.zip", csrf=False), (400,),
                  "a POST without CSRF token"),
        ),
    ),
    "Root:notifications": Row(
        allowed=Drive("expert", notification_form("digest"), (302,), lands="/notifications"),
        events=(NotificationModeChanged,),
        observe=notification_mode("expert"),
        expect=became("digest"),
        refused=(
            Drive(ANONYMOUS, lambda w, c: post(c, "/notifications", {"mode": "digest"}), (302,),
                  "anonymous: to the login page", "/connexion"),
            Drive("expert", lambda w, c: post(c, "/notifications", {"mode": "pigeon"}), (400,), "an unknown choice"),
            Drive("expert", lambda w, c: post(c, "/notifications", {"mode": "digest"}, csrf=False), (400,),
                  "no CSRF token"),
        ),
    ),
})

READS_ONLY.update({
    "Document:": ("a document's page: its facts, versions and receipts; its forms post elsewhere", "magistrat",
                  the_document),
})
READS_ONLY_SETUP["Document:"] = deposited
#: The pages of READS_ONLY that need documents (the token, an uploads folder).
READS_ONLY_DOCUMENTS = {"Document:"}


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


def discover_route_methods(app) -> dict[str, frozenset[str] | None]:
    """Every view of ``app`` that may change state (see the module's
    docstring) → the unsafe methods its views are limited to, or ``None``
    when one of them names no request method."""
    introspector = app.registry.introspector
    found: dict[str, frozenset[str] | None] = {}
    for item in introspector.get_category("views"):
        view = item["introspectable"]
        if _is_exception_view(view) or isinstance(view["callable"], static_view):
            continue
        methods = view["request_methods"]
        if methods is not None:
            methods = {methods} if isinstance(methods, str) else set(methods)
            if not methods & UNSAFE_METHODS:
                continue  # GET/HEAD only
            methods = frozenset(methods & UNSAFE_METHODS)
        key = view_key(introspector, view)
        if key in found and (found[key] is None or methods is None):
            found[key] = None
        else:
            found[key] = found.get(key, frozenset()) | methods if methods is not None else None
    return found


def discover_routes(app) -> set[str]:
    """Every view of ``app`` that may change state (see the module's docstring)."""
    return set(discover_route_methods(app))


def row_keys(key: str, methods: frozenset[str] | None) -> set[str]:
    """The keys of :data:`ROUTES` a route may be covered by: its own, or, when
    its views are limited to several unsafe methods (``PATCH`` and
    ``DELETE`` of one address), one row per method (``<key> PATCH``)."""
    return {key} if methods is None else {key, *(f"{key} {method}" for method in methods)}


def is_covered(key: str, methods: frozenset[str] | None) -> bool:
    if key in ROUTES or key in READS_ONLY:
        return True
    return methods is not None and all(f"{key} {method}" in ROUTES for method in methods)


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """The routes of the app with every installed plugin loaded (→ their unsafe methods)."""
    directory = tmp_path_factory.mktemp("routes")
    uri = f"file://{directory}/Data.fs"
    app = make_app(test_settings(uri, plugins=installed_plugin_names()), demo=False)
    try:
        return discover_route_methods(app)
    finally:
        close_app(app)


def test_every_state_changing_route_has_its_row(routes):
    missing = sorted(key for key, methods in routes.items() if not is_covered(key, methods))
    assert not missing, (
        f"state-changing routes without a row in ROUTES (or READS_ONLY) of {__file__}: {missing}"
    )
    known = set().union(*(row_keys(key, methods) for key, methods in routes.items()))
    stale = sorted((set(ROUTES) | set(READS_ONLY)) - known)
    assert not stale, f"rows for routes (or methods) that no longer exist: {stale}"
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
    config.add_route("tus", "/televersement/{id}")
    for method in ("PATCH", "DELETE", "HEAD", "OPTIONS"):
        config.add_view(view, route_name="tus", request_method=method, renderer="json")
    config.add_route("read", "/lire")
    config.add_view(view, route_name="read", request_method="GET", renderer="json")
    config.add_route("any", "/tout")
    config.add_view(view, route_name="any", renderer="json")
    config.add_view(view, name="page", renderer="json")
    config.add_static_view("fichiers", "opalexe_core:static")
    config.add_exception_view(view, ValueError, renderer="json")
    config.add_notfound_view(view, renderer="json")
    app = config.make_wsgi_app()
    assert discover_route_methods(app) == {"route:/chose/{id}": frozenset({"POST", "PUT", "PATCH", "DELETE"}),
                                           "route:/televersement/{id}": frozenset({"PATCH", "DELETE"}),
                                           "route:/tout": None, "None:page": None}
    assert discover_routes(app) == {"route:/chose/{id}", "route:/televersement/{id}", "route:/tout", "None:page"}


def test_a_route_limited_to_several_methods_wants_a_row_for_each():
    methods = frozenset({"PATCH", "DELETE"})
    assert is_covered("route:/televersements/{id}", methods)  # both rows are in the table
    assert not is_covered("route:/inconnue/{id}", methods)
    assert not is_covered("route:/inconnue", None)
    assert row_keys("route:/x", methods) == {"route:/x", "route:/x PATCH", "route:/x DELETE"}


# -- driving the table ---------------------------------------------------------------------------


@pytest.fixture
def world_for(storage, request):
    worlds = []

    def build(plugins=(), token=False, documents=False):
        extra = {}
        if token or documents:  # the platform's PKCS#11 token
            softhsm = request.getfixturevalue("document_token" if documents else "softhsm_token")
            extra = token_settings(softhsm)
        if documents:  # with the documents' master key (document_token), and an uploads folder
            extra["opalexe.uploads.dir"] = str(request.getfixturevalue("tmp_path") / "uploads")
        world = World(test_settings(storage.uri, plugins=(*DEFAULT_PLUGINS, *plugins), **extra))
        worlds.append(world)
        if token:  # and its CA made on it
            world.as_platform(certificates.create_authority)
        if documents:  # the deposits' notifications are mailed to nobody
            world.app.registry.opalexe_notifier.mailer = DummyMailer()
        return world

    yield build
    for world in worlds:
        world.close()


@dataclass
class Outcome:
    answer: webtest.TestResponse
    events: list[DomainEvent]
    changed: bool  # anything stored (in the database, or in the uploads folder)
    seen: tuple = (None, None)  # what the row observes, before and after


def drive(world: World, attempt: Drive, observe: Callable[[World], object] = lambda world: None) -> Outcome:
    """Log ``attempt.who`` in, then act (the login is not counted)."""
    client = world.client(attempt.who)
    world.recorder.events.clear()
    before, seen_before = world.state(), observe(world)
    answer = attempt.act(world, client)
    assert answer.status_int in attempt.statuses, (attempt.why, answer.status, answer.text[:2000])
    if attempt.lands:
        assert answer.location.endswith(attempt.lands), (attempt.why, answer.location)
    return Outcome(answer, list(world.recorder.events), world.state() != before,
                   (seen_before, observe(world)))


#: The rows also driven on RelStorage: those whose change reaches what
#: differs there (blobs: documents, uploads, the designation order; the
#: journal's database of its own: logins; a case and its tree). The others'
#: refusals and events do not depend on the storage: FileStorage only, which
#: keeps the table's time within the suite's (every row on both doubled it).
RELSTORAGE_ROWS = {"route:/authentification/{provider}", "Root:deconnexion", "Expertises:nouvelle",
                   "Expertise:statut", "Root:journal"}


def on_storages(cases: list[tuple[str, tuple]], relstorage: Callable[..., bool]) -> list:
    """(storage, *case) parameters from ``cases`` ((id, arguments) pairs; an
    id may repeat): every case on FileStorage, those ``relstorage(*case)``
    picks on RelStorage too."""
    return [pytest.param("filestorage", *case, id=f"filestorage-{name}") for name, case in cases] + [
        pytest.param("relstorage", *case, id=f"relstorage-{name}", marks=pytest.mark.relstorage)
        for name, case in cases if relstorage(*case)]


@pytest.mark.parametrize(("storage", "key"),
                         on_storages([(key, (key,)) for key in sorted(ROUTES)],
                                     lambda key: ROUTES[key].documents or key in RELSTORAGE_ROWS),
                         indirect=["storage"])
def test_a_route_changes_state_once_for_the_allowed_and_never_for_the_refused(world_for, key):
    row = ROUTES[key]
    world = world_for(row.plugins, row.token, row.documents)
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
    if row.allowed.who != ANONYMOUS and row.events:
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


@pytest.mark.parametrize(("storage", "key"), on_storages([(key, (key,)) for key in sorted(READS_ONLY)],
                                                          lambda key: key in READS_ONLY_DOCUMENTS),
                         indirect=["storage"])
def test_a_page_that_only_reads_changes_nothing_even_posted_to(world_for, key):
    _why, who, url = READS_ONLY[key]
    world = world_for(READS_ONLY_PLUGINS.get(key, ()), documents=key in READS_ONLY_DOCUMENTS)
    if key in READS_ONLY_SETUP:
        READS_ONLY_SETUP[key](world)
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
    upload_id: str = ""

    def folder(self, kind: str):
        return folder_of(self.case, kind)

    def document(self, kind: str):
        """The expert's document in the case's folder of ``kind``."""
        return self.folder(kind).documents.in_order()[0]

    def upload(self) -> Upload:
        """The expert's upload into « expert → greffe et parties »."""
        return UploadSpool(self.platform.settings.documents.uploads_dir, None).get(self.upload_id)

    def actor(self, key: str) -> Actor:
        if key == ANONYMOUS:
            return Actor.anonymous("192.0.2.9")
        return Actor(self.accounts[key], AuthMethod.DEMO, "192.0.2.9")

    def saisine(self, email: str):
        """The cast's designation sent to ``email``."""
        return next(s for s in self.platform.root.saisines.values() if s.expert_email == email)

    def invitation_token(self, email: str) -> str:
        return saisines.invitation_token(self.platform.settings.session_secret, self.saisine(email).id)


CAST = (("admin", "administrateur", True), ("expert", "expert", False), ("coexpert", "expert", False),
        ("lawyer", "avocat", False), ("other", "expert", False), ("gone", "expert", False),
        ("sapiteur", "expert", False))
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
    participants.add_participant(platform, operator, people.case, people.accounts["coexpert"], Role.CO_EXPERT)
    participants.add_participant(platform, operator, people.case, people.accounts["sapiteur"], Role.SAPITEUR)
    for kind in (FolderKind.EXPERT_GREFFE_PARTIES, FolderKind.MAGISTRAT_EXPERT):
        stand_in_document(platform, people.folder(kind), people.accounts["expert"])
    people.upload_id = stand_in_upload(platform, people.folder(FolderKind.EXPERT_GREFFE_PARTIES),
                                       people.accounts["expert"])
    # Two designations of the TJ Angers: one to the case's expert, one inviting an address no account holds.
    for email in ("expert@example.test", "invited@example.test"):
        saisines.send_saisine(platform, operator, platform.root.jurisdictions["tj-angers"], expert_email=email,
                              data=designation())
    account_services.disable_account(platform, operator, people.accounts["gone"], "Départ")
    # The lawyer logs in once (its identity linked to its account by its verified address).
    login = auth.authenticate(platform, LoginAttempt(provider="demo", params={"email": "lawyer@example.test"}))
    people.login_id = login.login_id
    return people


def stand_in_document(platform, folder, depositor) -> None:
    """A document of ``depositor`` in ``folder`` as a deposit leaves it, without sealed bytes."""
    folder.documents.add_document(Document(
        id=folder.documents.new_id(), title="Note.pdf", filename="Note.pdf", content_type="application/pdf",
        size=len(PDF), sha256="0" * 64, depositor_id=depositor.id, party_id=None, nature=Nature.DOCUMENT,
        number=None, version=1, previous_id=None, deposited_at=platform.now(), blob=None, file_id=b"\0" * 16,
        segment_size=SEGMENT_SIZE, wrapped_key=b"", key_label=""))


def stand_in_upload(platform, folder, uploader) -> str:
    """An upload of ``uploader`` into ``folder``, described in the uploads folder (no data yet): its id."""
    upload = Upload(id="U" * 32, account_id=uploader.id, expertise_id=folder.expertise.id,
                    folder_path=path_of(folder), filename="Note.pdf", length=len(PDF), created_at=platform.now(),
                    nature="document", replaces=None, wrapped_key=b"", key_label="", file_id=b"\0" * 16)
    os.makedirs(os.path.join(platform.settings.documents.uploads_dir, upload.id))
    with open(os.path.join(platform.settings.documents.uploads_dir, upload.id, "upload.json"), "w") as file:
        file.write(upload.to_json())
    return upload.id


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

# -- issue #15: expertises from pages, designations, participants, folder grants ---------------

MANAGERS_REFUSED = (ANONYMOUS, "lawyer", "other", "admin")  # the case's expert and co-expert manage it


def designation(rg="21/00042", exp="21/42") -> expertises.CaseData:
    return expertises.CaseData(jurisdiction_code="tj-angers", rg=rg, exp=exp,
                               parties=[("Lambert", "demandeur", "physique"), ("Saules", "defendeur", "morale")],
                               order_date=date(2021, 4, 2))


def a_folder(c: Cast):
    return c.case.folders["01-expert-greffe-parties"]


SERVICE_REFUSALS.update({
    "accounts.set_account_court": [
        (who, lambda c, who=who: account_services.set_account_court(c.platform, c.actor(who), c.accounts["lawyer"],
                                                                    "tj-angers"), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer")
    ],
    "expertises.add_party": [
        (who, lambda c, who=who: expertises.add_party(c.platform, c.actor(who), c.case, name="Martin",
                                                      side="intervenant", kind="morale"), refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "expertises.set_paper_service": [
        (who, lambda c, who=who: expertises.set_paper_service(c.platform, c.actor(who), c.case, c.case.parties[0].id,
                                                              "refus"), refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "expertises.clear_paper_service": [
        (who, lambda c, who=who: expertises.clear_paper_service(c.platform, c.actor(who), c.case,
                                                                c.case.parties[0].id), refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    # Only an expert creates a case, so only an expert sees its name computed
    # beforehand; build_case stores the case (its caller emits the event).
    "expertises.preview_case_name": [
        (who, lambda c, who=who: expertises.preview_case_name(c.platform, c.actor(who), designation()),
         refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "admin")
    ],
    "expertises.build_case": [
        (who, lambda c, who=who: expertises.build_case(c.platform, c.actor(who), designation()),
         refused_with(Refused))
        for who in (ANONYMOUS, "lawyer", "admin")
    ],
    "participants.add_participant": [
        (who, lambda c, who=who: participants.add_participant(c.platform, c.actor(who), c.case, c.accounts["other"],
                                                              Role.CO_EXPERT), refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "participants.check_participant": [
        (who, lambda c, who=who: participants.check_participant(c.platform, c.actor(who), c.case,
                                                                c.accounts["other"], Role.CO_EXPERT),
         refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "participants.deactivate_participant": [
        (who, lambda c, who=who: participants.deactivate_participant(c.platform, c.actor(who), c.case,
                                                                     c.accounts["coexpert"].id, "motif"),
         refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "participants.reactivate_participant": [
        (who, lambda c, who=who: participants.reactivate_participant(c.platform, c.actor(who), c.case,
                                                                     c.accounts["coexpert"].id),
         refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "participants.record_objection": [
        (who, lambda c, who=who: participants.record_objection(c.platform, c.actor(who), c.case,
                                                               party_id=c.case.parties[0].id,
                                                               account=c.accounts["other"]), refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    # The court's clerks and magistrates only (the cast has none).
    "participants.replace_court_staff": [
        (who, lambda c, who=who: participants.replace_court_staff(
            c.platform, c.actor(who), c.platform.root.jurisdictions["tj-angers"], role="magistrat",
            old=c.accounts["expert"], new=c.accounts["other"]), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer", "admin")
    ],
    "folder_access.grant_folder_access": [
        (who, lambda c, who=who: folder_access.grant_folder_access(c.platform, c.actor(who), a_folder(c),
                                                                   c.accounts["coexpert"].id, "read"),
         refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    "folder_access.withdraw_folder_access": [
        (who, lambda c, who=who: folder_access.withdraw_folder_access(c.platform, c.actor(who), a_folder(c),
                                                                      c.accounts["coexpert"].id),
         refused_with(Refused))
        for who in MANAGERS_REFUSED
    ],
    # Only the court's clerks send designations in its name (the cast has none).
    "saisines.send_saisine": [
        (who, lambda c, who=who: saisines.send_saisine(c.platform, c.actor(who),
                                                       c.platform.root.jurisdictions["tj-angers"],
                                                       expert_email="other@example.test",
                                                       data=designation("21/00043", "21/43")),
         refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer", "admin")
    ],
    # An expert receives an invitation's designation, with the link's token.
    "saisines.claim_saisine": [
        *((who, lambda c, who=who: saisines.claim_saisine(c.platform, c.actor(who), c.saisine("invited@example.test"),
                                                          c.invitation_token("invited@example.test")),
           refused_with(Refused))
          for who in (ANONYMOUS, "lawyer", "admin")),
        ("other", lambda c: saisines.claim_saisine(c.platform, c.actor("other"), c.saisine("invited@example.test"),
                                                   "0" * 64), refused_with(UserError)),
        ("other", lambda c: saisines.claim_saisine(c.platform, c.actor("other"), c.saisine("expert@example.test"),
                                                   c.invitation_token("expert@example.test")),
         refused_with(UserError)),  # a designation already addressed to an account
    ],
    # Only the expert a designation is addressed to answers it.
    "saisines.accept_saisine": [
        (who, lambda c, who=who: saisines.accept_saisine(c.platform, c.actor(who), c.saisine("expert@example.test"),
                                                         designation()), refused_with(Refused))
        for who in (ANONYMOUS, "other", "coexpert", "lawyer", "admin")
    ],
    # Only the court's clerks attach the order; they and the addressed expert read it.
    "saisines.attach_order": [
        (who, lambda c, who=who: saisines.attach_order(c.platform, c.actor(who), c.saisine("expert@example.test"),
                                                       filename="Ordonnance.pdf", length=len(ORDER_PDF),
                                                       read=io.BytesIO(ORDER_PDF).read), refused_with(Refused))
        for who in (ANONYMOUS, "expert", "lawyer", "admin")
    ],
    "saisines.read_order": [
        (who, lambda c, who=who: saisines.read_order(c.platform, c.actor(who), c.saisine("expert@example.test")),
         refused_with(Refused))
        for who in (ANONYMOUS, "other", "coexpert", "lawyer", "admin")
    ],
    "saisines.decline_saisine": [
        (who, lambda c, who=who: saisines.decline_saisine(c.platform, c.actor(who),
                                                          c.saisine("expert@example.test"), "Conflit d'intérêts"),
         refused_with(Refused))
        for who in (ANONYMOUS, "other", "coexpert", "lawyer", "admin")
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
    # Issue #15.
    "expertises.check_case_data": "reads: the checks of a designation order's facts, shared by create_expertise, "
                                  "preview_case_name, build_case and send_saisine, which require the right first",
    "folder_access.matrix_right": "reads what the rights matrix alone gives a participant in a folder",
    "saisines.may_read_order": "answers whether an actor reads a designation's order (read_order's check)",
    "folder_access.effective_right": "reads what a participant holds in a folder (its exception, or the matrix)",
}

# -- issue #16: documents, uploads, the export, notifications ------------------------------------
#
# The cast's documents and upload are stand-ins: stored as a deposit leaves
# them, without sealed bytes (the cast has no token: every refusal comes
# before a key or a byte is used; the uploads folder is checked unchanged too).

DOCUMENT_READERS_REFUSED = (ANONYMOUS, "sapiteur", "lawyer", "admin")  # the confidential folder's outsiders
UPLOAD_STRANGERS = (ANONYMOUS, "coexpert", "sapiteur", "lawyer")  # all but the expert, whose upload it is

SERVICE_REFUSALS.update({
    "documents.start_upload": [
        (who, lambda c, who=who: start_upload(c.platform, c.actor(who), c.folder(FolderKind.EXPERT_GREFFE_PARTIES),
                                              filename="Note.pdf", length=10), refused_with(Refused))
        for who in (ANONYMOUS, "sapiteur", "lawyer", "admin")
    ],
    # Another's upload does not exist for an actor.
    "documents.find_upload": [
        *((who, lambda c, who=who: find_upload(c.platform, c.actor(who), c.upload_id), refused_with(UploadNotFound))
          for who in (ANONYMOUS, "coexpert", "lawyer")),
        ("expert", lambda c: find_upload(c.platform, c.actor("expert"), GUESSED_UPLOAD), refused_with(UploadNotFound)),
    ],
    "documents.upload_offset": [
        (who, lambda c, who=who: upload_offset(c.platform, c.actor(who), c.upload()), refused_with(Refused))
        for who in UPLOAD_STRANGERS
    ],
    "documents.receive_chunk": [
        (who, lambda c, who=who: receive_chunk(c.platform, c.actor(who), c.upload(), 0, io.BytesIO(PDF).read,
                                               len(PDF)), refused_with(Refused))
        for who in UPLOAD_STRANGERS
    ],
    "documents.deposit_upload": [
        (who, lambda c, who=who: deposit_upload(c.platform, c.actor(who), c.upload()), refused_with(Refused))
        for who in UPLOAD_STRANGERS
    ],
    "documents.cancel_upload": [
        (who, lambda c, who=who: cancel_upload(c.platform, c.actor(who), c.upload()), refused_with(Refused))
        for who in UPLOAD_STRANGERS
    ],
    "documents.receive_document": [
        (who, lambda c, who=who: receive_document(c.platform, c.actor(who), c.document(FolderKind.MAGISTRAT_EXPERT),
                                                  "telechargement"), refused_with(Refused))
        for who in DOCUMENT_READERS_REFUSED
    ],
    "documents.deliver_document": [
        (who, lambda c, who=who: deliver_document(c.platform, c.actor(who), c.document(FolderKind.MAGISTRAT_EXPERT),
                                                  "telechargement"), refused_with(Refused))
        for who in DOCUMENT_READERS_REFUSED
    ],
    # Its depositor (the expert) and the case's managers withdraw it; the sapiteur reads it only.
    "documents.withdraw_document": [
        (who, lambda c, who=who: withdraw_document(c.platform, c.actor(who),
                                                   c.document(FolderKind.EXPERT_GREFFE_PARTIES), "Erreur"),
         refused_with(Refused))
        for who in (ANONYMOUS, "sapiteur", "lawyer", "admin")
    ],
    "export.export_archive": [
        *((who, lambda c, who=who: export_archive(c.platform, c.actor(who), c.case), refused_with(Refused))
          for who in (ANONYMOUS, "lawyer", "admin")),
        ("sapiteur", lambda c: export_archive(c.platform, c.actor("sapiteur"), c.folder(FolderKind.MAGISTRAT_EXPERT)),
         refused_with(Refused)),
    ],
    "notifications.set_notification_mode": [
        (ANONYMOUS, lambda c: set_notification_mode(c.platform, c.actor(ANONYMOUS), "digest"), refused_with(Refused)),
        ("expert", lambda c: set_notification_mode(c.platform, c.actor("expert"), "pigeon"), refused_with(UserError)),
    ],
})

SERVICES_WITHOUT_CHANGE.update({
    "documents.entitled_accounts": "reads who may read a folder (a deposit's recipients, a document's receipts)",
    "documents.paper_parties": "reads the parties served on paper whose side reads a folder",
    "documents.keystore": "the platform's token: an object to encrypt with, nothing stored",
    "documents.spool": "the host's uploads folder: an object uploads are stored with, nothing stored by itself",
    "documents.read_document": "reads a document's bytes; no right checked: its callers, deliver_document and "
                               "export_archive, require it first (refused above)",
})


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


#: The refusals also checked on RelStorage: the last (a logged-in actor
#: without the right) of the first service of each module. A refusal comes
#: before any write, whatever the storage; FileStorage sees them all.
def _relstorage_refusals() -> set[tuple[str, int]]:
    firsts: dict[str, str] = {}
    for name in sorted(SERVICE_REFUSALS):
        firsts.setdefault(name.split(".")[0], name)
    return {(name, len(SERVICE_REFUSALS[name]) - 1) for name in firsts.values()}


RELSTORAGE_SERVICES = _relstorage_refusals()


@pytest.mark.parametrize(
    ("storage", "service", "index"),
    on_storages([(f"{name}-{SERVICE_REFUSALS[name][i][0]}", (name, i)) for name, i in SERVICE_CASES],
                lambda name, i: (name, i) in RELSTORAGE_SERVICES),
    indirect=["storage"])
def test_a_service_called_without_the_right_refuses_stores_nothing_and_emits_nothing(service_db, tmp_path,
                                                                                     service, index):
    db, pm = service_db
    who, call, outcome = SERVICE_REFUSALS[service][index]
    dispatcher = OutboxDispatcher(db, pm)
    uploads_dir = str(tmp_path / "uploads")
    settings = Settings(session_secret="table-secret",  # the invitations' tokens are signed with it
                        documents=DocumentSettings(uploads_dir=uploads_dir),
                        pkcs11=PKCS11Settings(module="/nonexistent/no-token.so", token_label="none"))  # never reached
    with open_platform(db, pm, dispatcher=dispatcher, settings=settings) as platform:
        people = cast(platform)
        platform.transaction.commit()  # the cast's own events are delivered here
        case_id, login_id, upload_id = people.case.id, people.login_id, people.upload_id
    before, spool_before = database_state(db), spool_state(uploads_dir)
    db.recorder.events.clear()

    with open_platform(db, pm, dispatcher=dispatcher, settings=settings) as platform:
        people = Cast(platform, {key: platform.root.accounts.find_by_email(f"{key}@example.test")
                                 for key in CAST_KEYS}, platform.root.expertises[case_id], login_id, upload_id)
        outcome(lambda: call(people))
        platform.transaction.commit()  # as a careless caller would: the refusal left nothing to commit

    assert database_state(db) == before
    assert spool_state(uploads_dir) == spool_before
    assert db.recorder.events == []
