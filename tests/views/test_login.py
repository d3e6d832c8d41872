"""The login journey: profile choice, demo login (development only), logout,
session renewal and CSRF."""

import pytest
from pyramid.csrf import get_csrf_token
from pyramid.response import Response

from opalexe_core import hookimpl
from opalexe_core.contract import AuthProvider
from pytest_opalexe.web import (
    browser_client,
    demo_login,
    file_storage_uri,
    running_app,
    test_settings,
)


def test_the_login_page_offers_the_installed_providers(testapp):
    page = testapp.get("/connexion")
    assert "Quel est votre profil d'utilisateur ?" in page.text
    assert 'data-provider="demo"' in page.text


def test_demo_login_then_logout(testapp):
    home = demo_login(testapp, "expert")
    assert "Jean MARTIN" in home.text
    form = next(f for f in home.forms.values() if f.action.endswith("/deconnexion"))
    after = form.submit().follow()
    assert "Bienvenue sur Opalexe" in after.text
    assert "Jean MARTIN" not in after.text


def test_login_renews_the_session_cookie(testapp):
    testapp.get("/connexion/demo")
    before = testapp.cookies.get("opalexe_session")
    demo_login(testapp, "greffier")
    assert testapp.cookies.get("opalexe_session") not in (None, before)


def test_a_post_without_the_csrf_token_is_refused_and_logs_nobody_in(testapp):
    page = testapp.get("/connexion/demo")
    account_id = page.forms[0]["account_id"].value
    response = testapp.post("/connexion/demo", {"account_id": account_id}, expect_errors=True)
    assert response.status_int == 400
    assert "Formulaire expiré" in response.text
    assert "Mes expertises" not in testapp.get("/").text


def test_a_forged_csrf_token_is_refused(testapp):
    page = testapp.get("/connexion/demo")
    form = page.forms[0]
    form["csrf_token"] = "forged"
    response = form.submit(expect_errors=True)
    assert response.status_int == 400


def test_an_unknown_account_id_is_refused(testapp):
    page = testapp.get("/connexion/demo")
    form = page.forms[0]
    form["account_id"] = "doesnotexist"
    response = form.submit(expect_errors=True)
    assert response.status_int == 400
    assert "Compte inconnu" in response.text
    assert "Mes expertises" not in testapp.get("/").text


def test_the_demo_login_does_not_exist_when_disabled(tmp_path):
    settings = test_settings(file_storage_uri(tmp_path), **{"opalexe.dev_login": "false"})
    with running_app(settings, plugins={"form-page": FormPage()}) as app:
        client = browser_client(app)
        assert 'data-provider="demo"' not in client.get("/connexion").text
        assert client.get("/connexion/demo", expect_errors=True).status_int == 404
        # A well-formed post, with a valid CSRF token and a real account, opens nothing either.
        token = client.get("/test/jeton").text
        admin_id = _account_id(app, "admin")
        posted = client.post("/connexion/demo", {"csrf_token": token, "account_id": admin_id}, expect_errors=True)
        assert posted.status_int == 404
        assert client.get("/comptes/", expect_errors=True).status_int == 302  # still a visitor: to the login page
        assert "Aucun moyen de connexion" in client.get("/connexion").text


class FormPage:
    """A plugin page with a form: it gives a visitor a session and its CSRF token."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("test_form_token", "/test/jeton")
        config.add_view(lambda request: Response(get_csrf_token(request)), route_name="test_form_token")


def _account_id(app, key) -> str:
    from opalexe_core.services.demo import demo_email
    from opalexe_core.storage import opened

    with opened(app.registry._zodb_databases[""]) as (zodb_root, _):
        return zodb_root["opalexe"].accounts.find_by_email(demo_email(key)).id


def test_session_cookie_is_httponly_and_samesite(testapp):
    response = testapp.get("/connexion/demo")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ["/extensions", "/comptes/", "/parametres"])
def test_admin_pages_are_refused_to_others(testapp, path):
    demo_login(testapp, "expert")
    assert testapp.get(path, expect_errors=True).status_int == 403


def test_an_anonymous_visitor_reading_pages_gets_no_cookie(testapp):
    for path in ("/", "/connexion"):
        response = testapp.get(path)
        assert "Set-Cookie" not in response.headers, path


def test_a_plugin_provider_called_demo_unlocks_nothing(tmp_path):
    """Only opalexe.dev_login opens the demo login, never a provider's id."""
    class Impostor:
        @hookimpl
        def opalexe_auth_providers_collect(self, settings):
            return [AuthProvider(id="demo", label="Démonstration", journey="form", login_route="login_demo")]

    settings = test_settings(file_storage_uri(tmp_path), **{"opalexe.dev_login": "false"})
    with running_app(settings, plugins={"impostor": Impostor()}) as app:
        client = browser_client(app)
        assert 'data-provider="demo"' in client.get("/connexion").text  # offered by the plugin…
        assert client.get("/connexion/demo", expect_errors=True).status_int == 404  # …but it opens nothing
        assert "Mes expertises" not in client.get("/").text


def _copy_session(source, target) -> None:
    target.set_cookie("opalexe_session", source.cookies["opalexe_session"])


def test_after_logout_a_copy_of_the_session_cookie_opens_nothing(testapp, app):
    home = demo_login(testapp, "admin")
    thief = browser_client(app)
    _copy_session(testapp, thief)
    assert thief.get("/comptes/").status_int == 200  # the copy works while the login is open

    logout = next(f for f in home.forms.values() if f.action.endswith("/deconnexion"))
    logout.submit()

    assert thief.get("/comptes/").status_int == 302  # closed on the server: back to the login page
    assert "Bienvenue sur Opalexe" in thief.get("/").text


def test_logging_out_in_one_browser_keeps_the_other_logged_in(testapp, app):
    other = browser_client(app)
    demo_login(other, "expert")
    home = demo_login(testapp, "expert")

    next(f for f in home.forms.values() if f.action.endswith("/deconnexion")).submit()

    assert "Mes expertises" in other.get("/").text


def test_no_login_outlives_its_lifetime(testapp, app):
    from datetime import UTC, datetime

    from opalexe_core.resources.accounts import LOGIN_LIFETIME
    from opalexe_core.services.demo import demo_email
    from opalexe_core.storage import opened

    demo_login(testapp, "expert")
    with opened(app.registry._zodb_databases[""]) as (zodb_root, manager):
        account = zodb_root["opalexe"].accounts.find_by_email(demo_email("expert"))
        [login_id] = list(account.logins.keys())
        account.logins[login_id] = datetime.now(UTC) - LOGIN_LIFETIME  # opened a working day ago
        manager.commit()

    assert "Bienvenue sur Opalexe" in testapp.get("/").text
    demo_login(testapp, "expert")
    with opened(app.registry._zodb_databases[""]) as (zodb_root, _):
        account = zodb_root["opalexe"].accounts.find_by_email(demo_email("expert"))
        assert login_id not in account.logins  # the stale login was dropped at the next one


def test_logging_in_again_closes_the_browser_s_previous_login(testapp, app):
    demo_login(testapp, "expert")
    copy = browser_client(app)
    _copy_session(testapp, copy)
    assert "Mes expertises" in copy.get("/").text

    demo_login(testapp, "greffier")  # someone else, same browser, without logging out

    assert "Bienvenue sur Opalexe" in copy.get("/").text  # the expert's login is closed
