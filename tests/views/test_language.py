"""The language switch at the foot of every page."""

import pytest

# It writes nothing to the database: FileStorage only.
pytestmark = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)


def test_every_page_offers_both_languages_each_named_in_itself(testapp):
    page = testapp.get("/connexion")
    assert 'lang="fr" hreflang="fr"' in page.text and ">Français</a>" in page.text
    assert 'lang="en" hreflang="en"' in page.text and ">English</a>" in page.text
    assert "retour=%2Fconnexion" in page.text


def test_choosing_english_remembers_it_and_comes_back_to_the_page(testapp):
    response = testapp.get("/langue", {"code": "en", "retour": "/connexion?x=1"})

    assert response.status_int == 302
    assert response.location == "http://localhost/connexion?x=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("_LOCALE_=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = response.follow()
    assert '<html lang="en"' in page.text and "Log in" in page.text
    assert "Bienvenue" not in testapp.get("/").text

    testapp.get("/langue", {"code": "fr", "retour": "/"})
    assert "Bienvenue sur Opalexe" in testapp.get("/").text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "javascript:alert(1)",
                                    "/\\evil.example", ""])
def test_the_switch_never_leads_to_another_site(testapp, target):
    response = testapp.get("/langue", {"code": "en", "retour": target})
    assert response.location == "http://localhost/"


def test_an_unknown_language_changes_nothing(testapp):
    response = testapp.get("/langue", {"code": "de", "retour": "/"})
    assert "Set-Cookie" not in response.headers
    assert '<html lang="fr"' in response.follow().text


@pytest.mark.parametrize("query", ["code=%FF&retour=/", "code=en&retour=%FF", "code=en&retour=/%0Ax",
                                   "code=en&retour=/%0D%0ASet-Cookie:x=1", "code=en&retour=/%E2%82%AC"])
def test_a_crafted_switch_link_goes_home_without_an_error(testapp, query):
    response = testapp.get(f"/langue?{query}")
    assert response.status_int == 302
    assert response.location == "http://localhost/"


def test_leaving_a_language_given_in_the_address_takes_effect(testapp):
    page = testapp.get("/connexion", {"_LOCALE_": "en", "x": "1"})
    assert "retour=%2Fconnexion%3Fx%3D1" in page.text  # the switch drops the _LOCALE_ parameter

    back = testapp.get("/langue", {"code": "fr", "retour": "/connexion?x=1"}).follow()
    assert '<html lang="fr"' in back.text
