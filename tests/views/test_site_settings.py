"""The administrator names the platform and gives the support address; every
page shows them at once. Bad input and forged posts change nothing."""

import html
import re

from pytest_opalexe.web import demo_login

NEW_NAME = "Opalexe – Cour d'appel d'Angers"


def _form(testapp):
    return testapp.get("/parametres").forms["form"]


def _banner(page) -> str:
    return html.unescape(re.search(r'<a class="brand"[^>]*>([^<]*)</a>', page.text).group(1))


def test_the_form_shows_the_current_settings(testapp):
    demo_login(testapp, "admin")
    form = _form(testapp)
    assert form["platform_name"].value == "Opalexe"
    assert form["contact_email"].value == ""


def test_the_new_name_and_contact_show_on_every_page_for_everyone(testapp):
    demo_login(testapp, "admin")
    form = _form(testapp)
    form["platform_name"] = f"  {NEW_NAME}  "
    form["contact_email"] = "support@ca-angers.example"
    saved = form.submit("submit").follow()
    assert "Paramètres enregistrés." in saved.text
    assert _banner(saved) == NEW_NAME

    testapp.post("/deconnexion", {"csrf_token": saved.forms["form"]["csrf_token"].value})
    home = testapp.get("/")
    assert _banner(home) == NEW_NAME
    assert html.unescape(re.search(r"<title>(.*)</title>", home.text).group(1)) == f"Accueil — {NEW_NAME}"
    assert 'href="mailto:support@ca-angers.example"' in home.text
    assert "Contact du support" in home.text


def test_without_a_contact_address_none_is_shown(testapp):
    home = testapp.get("/")
    assert "mailto:" not in home.text
    assert "Contact du support" not in home.text


def test_bad_input_changes_nothing(testapp):
    demo_login(testapp, "admin")
    for name, email, message in [
        ("   ", "", "Requis"),
        ("x" * 81, "", "80 caractères au plus."),
        ("Opalexe Angers", "support-at-example", "Adresse électronique invalide."),
    ]:
        form = _form(testapp)
        form["platform_name"], form["contact_email"] = name, email
        response = form.submit("submit", expect_errors=True)
        assert response.status_int == 400
        assert message in response.text
    page = testapp.get("/parametres")
    assert _banner(page) == "Opalexe"
    assert page.forms["form"]["contact_email"].value == ""


def test_a_post_without_a_valid_csrf_token_changes_nothing(testapp):
    demo_login(testapp, "admin")
    for token in (None, "forged"):
        fields = {"platform_name": "Piraté", "contact_email": "", "submit": "submit"}
        if token is not None:
            fields["csrf_token"] = token
        response = testapp.post("/parametres", fields, expect_errors=True)
        assert response.status_int == 400
        assert "Formulaire expiré" in response.text
    assert _banner(testapp.get("/")) == "Opalexe"


def test_others_cannot_change_the_settings(testapp):
    home = demo_login(testapp, "expert")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    response = testapp.post(
        "/parametres", {"csrf_token": token, "platform_name": "Piraté", "submit": "submit"}, expect_errors=True
    )
    assert response.status_int == 403
    assert 'href="http://localhost/parametres"' not in home.text
    assert _banner(testapp.get("/")) == "Opalexe"
