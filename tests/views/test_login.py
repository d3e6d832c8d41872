"""The core's side of the authentication contract, driven through a provider
defined here (never through an installed plugin): the profile choice, the
one login address, registration at a first connection, session renewal,
logout, CSRF, and what a disabled account gets."""

import re
from datetime import UTC, datetime

import pytest
from pyramid.response import Response

from opalexe_core import api
from opalexe_core.api import (
    AccountDisabled,
    AccountRegistered,
    AuthenticationError,
    AuthMethod,
    AuthProvider,
    Credentials,
    Identity,
    LoginClosed,
    LoginEnd,
    LoginOpened,
    hookimpl,
)
from opalexe_core.resources.accounts import LOGIN_LIFETIME
from opalexe_core.services.accounts import disable_account
from opalexe_core.services.demo import demo_email
from opalexe_core.services.platform import Actor
from pytest_opalexe.web import browser_client, demo_login, platform_of, running_app, test_settings

PROVIDER = "cle"


class KeyProvider:
    """A provider of this test's own: each person has a key, typed in a form.

    ``known``: subject → (key, e-mail, profile, e-mail verified)."""

    def __init__(self):
        self.known = {
            "cle-expert": ("sesame", demo_email("expert"), "expert", True),
            "cle-nouveau": ("ouvre-toi", "nouveau@example.test", None, False),
            "cle-greffe": ("greffe", "greffe.inconnu@example.test", "greffier", False),
        }
        self.calls = []

    @hookimpl
    def opalexe_auth_providers_collect(self, settings):
        return [AuthProvider(id=PROVIDER, label="Clé de test", journey="form", login_route="test_key_page")]

    @hookimpl
    def opalexe_config_include(self, config, settings):
        def page(request):
            return Response(
                f'<form method="post" action="{api.login_url(request, PROVIDER)}">'
                f'<input name="csrf_token" value="{api.csrf_token(request)}">'
                '<input name="subject"><input name="key"><button>Entrer</button></form>'
                + "".join(f'<p class="flash">{m}</p>' for m in request.session.pop_flash("error"))
            )

        config.add_route("test_key_page", "/test/cle")
        config.add_view(page, route_name="test_key_page", permission=api.PUBLIC)

    @hookimpl
    def opalexe_credentials_get(self, attempt):
        self.calls.append(("credentials", attempt.provider, dict(attempt.params)))
        if attempt.provider != PROVIDER:
            return None
        params = attempt.params
        return Credentials(PROVIDER, {"subject": params.get("subject", ""), "key": params.get("key", "")})

    @hookimpl
    def opalexe_identity_get(self, credentials):
        if credentials.provider != PROVIDER:
            return None
        subject = credentials.values["subject"]
        key, email, profile, verified = self.known.get(subject, (None, None, None, False))
        if key is None or credentials.values["key"] != key:
            raise AuthenticationError("Clé refusée : vérifiez-la et recommencez.")
        return Identity(provider=PROVIDER, subject=subject, auth_method=AuthMethod.CERTIFICATE, email=email,
                        email_verified=verified, first_name="Prénom", last_name="Nom", profile=profile,
                        certificate_fingerprint="ab" * 32, attributes={"cn": f"CN de {subject}"})

    @hookimpl
    def opalexe_registration_fields_collect(self, identity):
        import colander

        return [colander.SchemaNode(colander.String(), name="barreau", title="Barreau", missing="")]


@pytest.fixture
def provider():
    return KeyProvider()


@pytest.fixture
def app(storage, provider):
    with running_app(test_settings(storage.uri), plugins={"key-provider": provider}) as application:
        yield application


@pytest.fixture
def client(app):
    return browser_client(app)


def key_login(client, subject, key):
    page = client.get("/test/cle")
    form = page.forms[0]
    form["subject"], form["key"] = subject, key
    return form.submit()


class EventLog:
    """A plugin recording every committed event (the outbox's delivery)."""

    def __init__(self):
        self.events = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.events.append(event)


@pytest.fixture
def recorded(storage, provider):
    log = EventLog()
    with running_app(test_settings(storage.uri), plugins={"key-provider": provider, "log": log}) as application:
        yield application, log


# -- the profile choice ----------------------------------------------------------------------


def test_the_login_page_offers_each_installed_provider(client):
    page = client.get("/connexion")
    assert "Quel est votre profil d'utilisateur ?" in page.text
    assert {radio["value"] for radio in page.html.select("input[name=profil]")} == {"cle", "demo"}  # demo: the kit's

    form = page.forms[0]
    form["profil"] = "cle"
    chosen = form.submit()

    assert chosen.location == "http://localhost/test/cle"


def test_the_profile_chosen_is_remembered_a_week_then_asked_again(client):
    chosen = client.get("/connexion", {"profil": "cle"})
    cookie = chosen.headers["Set-Cookie"]
    assert "opalexe_profil=cle" in cookie and "Max-Age=604800" in cookie and "HttpOnly" in cookie

    assert client.get("/connexion").location == "http://localhost/test/cle"  # no question while remembered

    client.reset()  # the browser dropped the cookie: a week has passed
    assert "Quel est votre profil d'utilisateur ?" in client.get("/connexion").text


def test_each_login_remembers_its_profile_for_another_week(client):
    answer = key_login(client, "cle-expert", "sesame")
    assert "opalexe_profil=cle" in "".join(answer.headers.getall("Set-Cookie"))
    assert "Max-Age=604800" in "".join(answer.headers.getall("Set-Cookie"))


def test_an_unknown_profile_is_refused_and_remembers_nothing(client):
    answer = client.get("/connexion", {"profil": "inconnu"})
    assert answer.location == "http://localhost/connexion"
    assert "opalexe_profil" not in client.cookies
    assert "Choisissez l'un des profils proposés." in answer.follow().text


def test_changing_authentication_forgets_the_profile_for_a_visitor(client):
    client.get("/connexion", {"profil": "cle"})

    answer = client.get("/changer-authentification")

    assert answer.location == "http://localhost/connexion"
    assert "opalexe_profil" not in client.cookies
    assert "Quel est votre profil d'utilisateur ?" in answer.follow().text


def test_changing_authentication_once_logged_in_closes_the_login_without_a_private_window(recorded):
    app, log = recorded
    client = browser_client(app)
    home = key_login(client, "cle-expert", "sesame").follow()

    switch = next(f for f in home.forms.values() if f.action.endswith("/changer-authentification"))
    choice = switch.submit().follow()

    assert "Quel est votre profil d'utilisateur ?" in choice.text
    assert "Mes expertises" not in client.get("/").text
    [closed] = [e for e in log.events if isinstance(e, LoginClosed)]
    assert closed.reason is LoginEnd.SWITCHED
    demo_login(client, "greffier")  # another profile, same browser
    assert "Mes expertises" in client.get("/").text


# -- logging in ------------------------------------------------------------------------------


def test_a_verified_identity_logs_in_the_account_holding_its_address_and_links_it(recorded):
    app, log = recorded
    client = browser_client(app)

    home = key_login(client, "cle-expert", "sesame").follow()

    assert "Mes expertises" in home.text and "Jean MARTIN" in home.text
    [opened] = [e for e in log.events if isinstance(e, LoginOpened)]
    assert (opened.provider, opened.actor.auth_method, opened.actor.certificate_fingerprint) == (
        PROVIDER, AuthMethod.CERTIFICATE, "ab" * 32)
    with platform_of(app) as platform:
        expert = platform.root.accounts.find_by_email(demo_email("expert"))
        assert platform.root.accounts.find_by_identity(PROVIDER, "cle-expert") is expert
        assert opened.account_id == expert.id


def test_wrong_credentials_are_refused_on_the_provider_s_page_and_change_nothing(recorded):
    app, log = recorded
    client = browser_client(app)

    answer = key_login(client, "cle-expert", "mauvaise")

    assert answer.status_int == 302 and answer.location == "http://localhost/test/cle"
    assert "Clé refusée : vérifiez-la et recommencez." in answer.follow().text
    assert "Mes expertises" not in client.get("/").text
    assert log.events == []
    with platform_of(app) as platform:
        assert platform.root.accounts.find_by_identity(PROVIDER, "cle-expert") is None


def test_a_provider_that_is_not_offered_logs_nobody_in(client, provider):
    page = client.get("/test/cle")
    token = page.forms[0]["csrf_token"].value

    answer = client.post("/authentification/inconnu", {"csrf_token": token, "subject": "cle-expert",
                                                        "key": "sesame"})

    assert "Ce mode de connexion n'est pas proposé" in answer.follow().text
    assert ("credentials", "inconnu", {"subject": "cle-expert", "key": "sesame"}) not in provider.calls
    assert "Mes expertises" not in client.get("/").text


def test_the_posted_fields_reach_the_provider_without_the_csrf_token(client, provider):
    key_login(client, "cle-expert", "sesame")
    [(_, provider_id, params)] = [call for call in provider.calls if call[0] == "credentials"]
    assert provider_id == PROVIDER and params == {"subject": "cle-expert", "key": "sesame"}


def test_a_post_without_the_csrf_token_is_refused_and_logs_nobody_in(client):
    answer = client.post("/authentification/cle", {"subject": "cle-expert", "key": "sesame"}, expect_errors=True)
    assert answer.status_int == 400 and "Formulaire expiré" in answer.text
    assert "Mes expertises" not in client.get("/").text


def test_a_forged_csrf_token_is_refused(client):
    page = client.get("/test/cle")
    form = page.forms[0]
    form["csrf_token"], form["subject"], form["key"] = "forged", "cle-expert", "sesame"
    assert form.submit(expect_errors=True).status_int == 400
    assert "Mes expertises" not in client.get("/").text


# -- the session ------------------------------------------------------------------------------


def test_login_renews_the_session_and_its_csrf_token(client):
    page = client.get("/test/cle")
    token_before = page.forms[0]["csrf_token"].value
    client.get("/langue", {"code": "fr", "retour": "/"})  # anything else in the session is dropped too
    cookie_before = client.cookies.get("opalexe_session")

    key_login(client, "cle-expert", "sesame")

    assert client.cookies.get("opalexe_session") not in (None, cookie_before)
    assert client.get("/test/cle").forms[0]["csrf_token"].value != token_before


def test_a_session_cookie_set_before_login_is_worth_nothing_after_it(app, client):
    """Session fixation: an attacker who planted its cookie before the victim
    logged in holds a session that the login did not touch."""
    client.get("/test/cle")
    planted = client.cookies["opalexe_session"]
    key_login(client, "cle-expert", "sesame")

    attacker = browser_client(app)
    attacker.set_cookie("opalexe_session", planted)
    assert "Mes expertises" not in attacker.get("/").text


def test_session_cookie_is_httponly_and_samesite(client):
    cookie = client.get("/test/cle").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_anonymous_visitor_reading_pages_gets_no_cookie(client):
    for path in ("/", "/connexion"):
        assert "Set-Cookie" not in client.get(path).headers, path


@pytest.mark.parametrize("path", ["/extensions", "/comptes/", "/parametres"])
def test_admin_pages_are_refused_to_others(client, path):
    key_login(client, "cle-expert", "sesame")
    assert client.get(path, expect_errors=True).status_int == 403


# -- first connection: registration -----------------------------------------------------------


def test_an_identity_without_an_account_registers_with_the_plugins_fields_then_is_logged_in(recorded):
    app, log = recorded
    client = browser_client(app)

    form_page = key_login(client, "cle-nouveau", "ouvre-toi").follow()

    assert form_page.request.path == "/inscription"
    assert "CN de cle-nouveau" in form_page.text and "Barreau" in form_page.text
    form = form_page.forms["form"]
    assert (form["first_name"].value, form["email"].value) == ("Prénom", "nouveau@example.test")
    form["first_name"], form["last_name"], form["barreau"] = "Inès", "Caron", "Angers"
    home = form.submit().follow()

    assert "Inès CARON" in home.text and "Mes expertises" in home.text
    registered, opened = [e for e in log.events if isinstance(e, AccountRegistered | LoginOpened)]
    assert (registered.email, registered.provider, registered.profile) == ("nouveau@example.test", PROVIDER,
                                                                            "intervenant")
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_identity(PROVIDER, "cle-nouveau")
        assert account.registration == {"barreau": "Angers"}
        assert account.profile == "intervenant"  # the provider vouched for no profile: the least privileged
        assert opened.account_id == account.id == registered.account_id


def test_the_provider_s_profile_is_the_new_account_s(client, app):
    key_login(client, "cle-greffe", "greffe").follow().forms["form"].submit()
    with platform_of(app) as platform:
        assert platform.root.accounts.find_by_identity(PROVIDER, "cle-greffe").profile == "greffier"


def test_registration_refuses_blank_names_and_an_address_already_taken(client, app):
    form = key_login(client, "cle-nouveau", "ouvre-toi").follow().forms["form"]
    form["first_name"], form["last_name"] = "   ", "Caron"
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 400 and 'id="error-deformField2">Requis</p>' in refused.text

    form = refused.forms["form"]
    form["first_name"], form["email"] = "Inès", demo_email("greffier")
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 400
    assert "Un compte existe déjà avec cette adresse électronique" in refused.text
    with platform_of(app) as platform:
        assert platform.root.accounts.find_by_identity(PROVIDER, "cle-nouveau") is None
        assert len([a for a in platform.root.accounts.values() if a.last_name == "Caron"]) == 0


def test_the_registration_form_needs_a_verified_identity_first(client):
    answer = client.get("/inscription")
    assert answer.status_int == 302 and answer.location.endswith("/connexion")
    assert "Connectez-vous d'abord" in answer.follow().text


def test_a_pending_registration_expires(client, app, monkeypatch):
    key_login(client, "cle-nouveau", "ouvre-toi")
    from opalexe_core.services import auth

    later = datetime.now(UTC) + auth.REGISTRATION_WINDOW * 2
    monkeypatch.setattr("opalexe_core.services.platform.Platform.now", lambda self: later)
    assert client.get("/inscription").location.endswith("/connexion")


# -- logout, lifetimes, disabled accounts ----------------------------------------------------


def _copy_session(source, target) -> None:
    target.set_cookie("opalexe_session", source.cookies["opalexe_session"])


def test_logout_closes_the_login_on_the_server(recorded):
    app, log = recorded
    client = browser_client(app)
    home = key_login(client, "cle-expert", "sesame").follow()
    thief = browser_client(app)
    _copy_session(client, thief)
    assert "Mes expertises" in thief.get("/").text  # the copy works while the login is open

    after = next(f for f in home.forms.values() if f.action.endswith("/deconnexion")).submit().follow()

    assert "Bienvenue sur Opalexe" in after.text
    assert "Bienvenue sur Opalexe" in thief.get("/").text
    [closed] = [e for e in log.events if isinstance(e, LoginClosed)]
    assert closed.reason is LoginEnd.LOGOUT


def test_logging_out_in_one_browser_keeps_the_other_logged_in(app, client):
    other = browser_client(app)
    key_login(other, "cle-expert", "sesame")
    home = key_login(client, "cle-expert", "sesame").follow()

    next(f for f in home.forms.values() if f.action.endswith("/deconnexion")).submit()

    assert "Mes expertises" in other.get("/").text


def test_logging_in_again_closes_the_browser_s_previous_login(app, client):
    key_login(client, "cle-expert", "sesame")
    copy = browser_client(app)
    _copy_session(client, copy)
    assert "Mes expertises" in copy.get("/").text

    demo_login(client, "greffier")  # someone else, same browser, without logging out

    assert "Bienvenue sur Opalexe" in copy.get("/").text  # the expert's login is closed


def test_no_login_outlives_its_lifetime(app, client):
    key_login(client, "cle-expert", "sesame")
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email(demo_email("expert"))
        [login_id] = list(account.logins.keys())
        account.logins[login_id] = datetime.now(UTC) - LOGIN_LIFETIME  # opened a working day ago
        platform.transaction.commit()

    assert "Bienvenue sur Opalexe" in client.get("/").text
    key_login(client, "cle-expert", "sesame")
    with platform_of(app) as platform:
        assert login_id not in platform.root.accounts.find_by_email(demo_email("expert")).logins


def test_disabling_an_account_ends_its_sessions_and_refuses_its_next_login(recorded):
    app, log = recorded
    client = browser_client(app)
    key_login(client, "cle-expert", "sesame")
    with platform_of(app) as platform:
        expert = platform.root.accounts.find_by_email(demo_email("expert"))
        disable_account(platform, Actor.platform(), expert, "Carte perdue")
        platform.transaction.commit()

    assert "Bienvenue sur Opalexe" in client.get("/").text
    refused = key_login(client, "cle-expert", "sesame").follow()
    assert "Votre compte est désactivé" in refused.text
    assert "Mes expertises" not in client.get("/").text
    [disabled] = [e for e in log.events if isinstance(e, AccountDisabled)]
    assert (disabled.reason, disabled.logins_closed) == ("Carte perdue", 1)
    assert re.fullmatch(r"[0-9a-f]{32}", disabled.id)
