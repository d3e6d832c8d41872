"""The administrator's pages: loaded plugins, accounts directory."""

from pytest_opalexe.web import demo_login


def test_the_plugins_page_lists_each_plugin_and_its_hooks(testapp):
    demo_login(testapp, "admin")
    page = testapp.get("/extensions")
    assert 'data-plugin="naming_cncej"' in page.text
    assert "opalexe-naming-cncej" in page.text
    assert "<code>opalexe_case_name_compute</code>" in page.text
    assert 'data-plugin="core-defaults"' in page.text


def _account_form(testapp):
    return testapp.get("/comptes/").forms["form"]


def test_the_administrator_creates_an_account(testapp):
    demo_login(testapp, "admin")
    form = _account_form(testapp)
    form["first_name"] = "Anne"
    form["last_name"] = "Lemaître"
    form["email"] = "anne.lemaitre@example.test"
    form["profile"] = "expert"
    page = form.submit("submit").follow()
    assert "Compte créé." in page.text
    assert "Anne LEMAÎTRE" in page.text


def test_bad_account_input_changes_nothing(testapp):
    demo_login(testapp, "admin")
    before = testapp.get("/comptes/").text.count("<tr>")
    for email, profile, message in [
        ("expert@demo.opalexe.test", "expert", "Un compte existe déjà avec cette adresse électronique."),
        ("pas-une-adresse", "expert", "Adresse électronique invalide."),
        ("x@example.test", "pirate", "Profil inconnu."),
    ]:
        form = _account_form(testapp)
        form["first_name"], form["last_name"], form["email"] = "X", "Y", email
        form["profile"].force_value(profile)
        response = form.submit("submit", expect_errors=True)
        assert response.status_int == 400
        assert message in response.text
    assert testapp.get("/comptes/").text.count("<tr>") == before


def test_an_empty_form_names_every_missing_field(testapp):
    demo_login(testapp, "admin")
    response = _account_form(testapp).submit("submit", expect_errors=True)
    assert response.status_int == 400
    assert response.text.count("Requis") >= 3


def test_undecodable_form_bytes_are_refused_not_stored(testapp):
    """Bytes that are not UTF-8 would be stored as « � »: the form says so."""
    demo_login(testapp, "admin")
    token = _account_form(testapp)["csrf_token"].value
    body = f"csrf_token={token}&first_name=%FF%FE&last_name=Lambert&email=zoe%40example.test&profile=avocat"
    response = testapp.post("/comptes/", params=body.encode(), content_type="application/x-www-form-urlencoded",
                            expect_errors=True)
    assert response.status_int == 400
    assert "Le formulaire contient des caractères illisibles" in response.text
    assert "zoe@example.test" not in testapp.get("/comptes/").text
