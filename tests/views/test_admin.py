"""The administrator's pages: loaded plugins, accounts directory."""

from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, demo_login, platform_of


def test_the_plugins_page_lists_each_plugin_and_its_hooks(testapp):
    demo_login(testapp, "admin")
    page = testapp.get("/extensions")
    assert 'data-plugin="auth_demo"' in page.text
    assert "opalexe-auth-demo" in page.text
    assert "<code>opalexe_identity_get</code>" in page.text
    assert 'data-plugin="core-defaults"' in page.text
    assert "<code>opalexe_case_name_compute</code>" in page.text  # the core's default


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


def _disable_form(page, key):
    return next(form for form in page.forms.values()
                if form.action.endswith("/desactiver") and f'data-email="{demo_email(key)}"' in form.text)


def test_the_administrator_disables_an_account_and_closes_its_open_logins(testapp, app):
    lawyer = browser_client(app)
    demo_login(lawyer, "avocat1")
    demo_login(testapp, "admin")
    form = _disable_form(testapp.get("/comptes/"), "avocat1")
    form["reason"] = "  Clé RPVA   perdue "

    page = form.submit().follow()

    assert "Compte de Sophie MOREAU désactivé ; connexions fermées : 1." in page.text
    assert "Désactivé : Clé RPVA perdue" in page.text
    assert "Bienvenue sur Opalexe" in lawyer.get("/").text  # its session ended at once
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email(demo_email("avocat1"))
        assert not account.active and len(account.logins) == 0
        assert account.expertise_ids  # its history stays
    refused = demo_login_attempt(lawyer, "avocat1")
    assert "Votre compte est désactivé" in refused.text

    enable = next(f for f in page.forms.values() if f.action.endswith("/reactiver"))
    assert "Compte de Sophie MOREAU réactivé." in enable.submit().follow().text
    assert "Mes expertises" in demo_login(lawyer, "avocat1").text


def demo_login_attempt(client, key):
    """The demo page lists active accounts only: post another's form with ``key``'s address."""
    form = client.get("/connexion/demo").forms[0]
    form["email"] = demo_email(key)
    return form.submit().follow()


def test_disabling_needs_a_reason_and_never_one_s_own_account(testapp, app):
    demo_login(testapp, "admin")
    page = testapp.get("/comptes/")
    assert not [f for f in page.forms.values() if f.action.endswith("/desactiver")
                and f'data-email="{demo_email("admin")}"' in f.text]  # no button for oneself

    form = _disable_form(page, "expert")
    form["reason"] = "   "
    assert "Indiquez le motif de la désactivation." in form.submit().follow().text

    with platform_of(app) as platform:
        admin_url = f"/comptes/{platform.root.accounts.find_by_email(demo_email('admin')).id}/desactiver"
    token = page.forms["form"]["csrf_token"].value
    answer = testapp.post(admin_url, {"csrf_token": token, "reason": "essai"}).follow()
    assert "Vous ne pouvez pas désactiver votre propre compte." in answer.text
    with platform_of(app) as platform:
        assert all(account.active for account in platform.root.accounts.values())


def test_only_the_administrator_disables_accounts(testapp, app):
    demo_login(testapp, "expert")
    with platform_of(app) as platform:
        target = platform.root.accounts.find_by_email(demo_email("avocat1")).id
    token = testapp.get("/").forms[0]["csrf_token"].value
    answer = testapp.post(f"/comptes/{target}/desactiver", {"csrf_token": token, "reason": "x"}, expect_errors=True)
    assert answer.status_int == 403
    with platform_of(app) as platform:
        assert platform.root.accounts[target].active
