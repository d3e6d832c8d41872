"""The demo login: a provider built on the public hooks only, refused in
production."""

import pytest
from pyramid.response import Response

# Whether the core and the plugin sort as first- or third-party depends on the
# directory ruff runs from: keep each in a block of its own.
# isort: split
from opalexe_core import api
from opalexe_core.api import AuthMethod, LoginOpened, hookimpl
from opalexe_core.services.demo import demo_email
from opalexe_core.settings import SettingsError
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, make_app, platform_of, running_app
from pytest_opalexe.web import test_settings as settings_for

# isort: split
import opalexe_auth_demo

SECRET = "9c1f4e2ab7d3586e0f4a9b2c7d1e3f5a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e"


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)


def test_the_profile_choice_leads_to_the_demo_page_listing_every_active_account(testapp):
    choice = testapp.get("/connexion").forms[0]
    choice["profil"] = "demo"
    page = choice.submit().follow()
    emails = {button["data-email"] for button in page.html.select("button[data-email]")}
    assert demo_email("expert") in emails and demo_email("admin") in emails
    assert "Mode développement : connexion de démonstration active." in page.text


def test_a_button_logs_in_as_that_account_through_the_core(tmp_path):
    events = Events()
    with running_app(settings_for(file_storage_uri(tmp_path)), plugins={"events": events}) as app:
        client = browser_client(app)
        home = demo_login(client, "magistrat")
        assert "Mes expertises" in home.text and "Hélène DURAND" in home.text
        [opened] = [e for e in events.seen if isinstance(e, LoginOpened)]
        assert (opened.provider, opened.actor.auth_method) == ("demo", AuthMethod.DEMO)
        with platform_of(app) as platform:
            magistrat = platform.root.accounts.find_by_email(demo_email("magistrat"))
            assert platform.root.accounts.find_by_identity("demo", demo_email("magistrat")) is magistrat


def test_an_address_no_account_holds_leads_to_the_registration_form(testapp):
    form = testapp.get("/connexion/demo").forms[0]
    form["email"] = "Nouvelle.Personne@Example.test"
    registration = form.submit().follow()
    assert registration.request.path == "/inscription"
    assert registration.forms["form"]["email"].value == "nouvelle.personne@example.test"


def test_a_missing_address_is_refused_on_the_demo_page(testapp):
    form = testapp.get("/connexion/demo").forms[0]
    form["email"] = "   "
    answer = form.submit()
    assert answer.location.endswith("/connexion/demo")
    assert "Adresse électronique manquante ou invalide" in answer.follow().text
    assert "Mes expertises" not in testapp.get("/").text


def test_a_post_without_the_csrf_token_is_refused_and_logs_nobody_in(testapp):
    answer = testapp.post("/authentification/demo", {"email": demo_email("admin")}, expect_errors=True)
    assert answer.status_int == 400 and "Formulaire expiré" in answer.text
    assert "Mes expertises" not in testapp.get("/").text


def test_the_demo_page_in_english(testapp):
    testapp.set_cookie("_LOCALE_", "en")
    page = testapp.get("/connexion/demo")
    assert page.html.h1.text == "Demo accounts"
    headers = [th.get_text(strip=True) for th in page.html.select("table.accounts th")]
    assert headers == ["Name", "Profile", "Email address", "Action"]
    row = page.html.find("button", attrs={"data-email": demo_email("expert")}).find_parent("tr")
    assert row.find_all("td")[1].text == "Court-appointed expert"  # the core's label, in English
    assert row.button.get_text(" ", strip=True) == "Log in as Jean MARTIN"


class TokenPage:
    """A page of the test's own giving a visitor a session and its CSRF token."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("test_token", "/test/jeton")
        config.add_view(lambda request: Response(api.csrf_token(request)), route_name="test_token",
                        permission=api.PUBLIC)


def test_disabled_the_plugin_offers_nothing_and_its_address_logs_nobody_in(tmp_path):
    settings = settings_for(file_storage_uri(tmp_path), plugins=())
    with running_app(settings, plugins={"token-page": TokenPage()}) as app:
        client = browser_client(app)
        assert 'data-provider="demo"' not in client.get("/connexion").text
        assert client.get("/connexion/demo", expect_errors=True).status_int == 404
        assert "Mode développement" not in client.get("/").text
        # A well-formed post, with a valid CSRF token and a real account, opens nothing either.
        token = client.get("/test/jeton").text
        posted = client.post("/authentification/demo", {"csrf_token": token, "email": demo_email("admin")})
        assert "Ce mode de connexion n'est pas proposé" in posted.follow().text
        assert "Mes expertises" not in client.get("/").text


def production_settings(uri, plugins):
    return settings_for(uri, plugins=plugins, **{
        "opalexe.environment": "production", "opalexe.secure_cookies": "true",
        "opalexe.session_secret": SECRET, "opalexe.public_url": "https://opalexe.example.org",
        "opalexe.proxy.unix_socket": "true",
    })


def test_production_refuses_to_start_while_it_is_installed(tmp_path):
    with pytest.raises(SettingsError) as refusal:
        make_app(production_settings(file_storage_uri(tmp_path), plugins=("auth_demo",)), demo=False)
    message = str(refusal.value)
    assert "auth_demo" in message and "development-only" in message
    assert "pip uninstall opalexe-auth-demo" in message and "opalexe.plugins.disabled" in message


def test_production_starts_once_it_is_disabled(tmp_path):
    app = make_app(production_settings(file_storage_uri(tmp_path), plugins=()), demo=False)
    try:
        assert "auth_demo" in app.registry.opalexe.plugins_disabled
    finally:
        from pytest_opalexe.web import close_app

        close_app(app)


def test_the_provider_says_it_is_for_development_only():
    [provider] = opalexe_auth_demo.opalexe_auth_providers_collect(settings=None)
    assert provider.development_only and provider.id == "demo"
