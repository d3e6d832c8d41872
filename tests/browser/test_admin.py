"""The platform administrator: the loaded plugins, adding accounts, the site settings."""

import pytest
from playwright.sync_api import expect

NEW_EMAIL = "zoe.lambert@example.org"


@pytest.fixture
def admin(visitor):
    visitor.log_in("admin")
    return visitor


@pytest.fixture
def accounts_page(admin, page):
    page.get_by_role("navigation").get_by_role("link", name="Comptes").click()
    expect(admin.heading()).to_have_text("Comptes")
    return page


def fill_account_form(page, email):
    form = page.locator("form#form")
    form.get_by_label("Prénom", exact=True).fill("Zoé")
    form.get_by_label("Nom de famille", exact=True).fill("Lambert")
    form.get_by_label("Adresse électronique", exact=True).fill(email)
    form.get_by_label("Profil", exact=True).select_option("avocat")
    form.get_by_role("button", name="Créer le compte").click()


def listed(page, email):
    return page.locator("table.accounts td", has_text=email)


@pytest.mark.browser
def test_extensions_page_lists_plugins_and_their_hooks(admin, page):
    page.get_by_role("navigation").get_by_role("link", name="Extensions").click()
    expect(admin.heading()).to_have_text("Extensions chargées")
    core = page.locator('tr[data-plugin="core-defaults"] ul.hooks')
    expect(core).to_contain_text("opalexe_case_name_compute")
    expect(core).to_contain_text("opalexe_folder_tree_define")
    demo = page.locator('tr[data-plugin="auth_demo"] ul.hooks')
    expect(demo).to_contain_text("opalexe_credentials_get")
    expect(demo).to_contain_text("opalexe_identity_get")
    expect(page.locator('tr[data-plugin="naming_cncej"]')).to_contain_text("désactivée")


@pytest.mark.browser
def test_admin_creates_an_account(accounts_page):
    expect(listed(accounts_page, NEW_EMAIL)).to_have_count(0)
    fill_account_form(accounts_page, NEW_EMAIL)
    expect(accounts_page.locator(".flash.success")).to_have_text("Compte créé.")
    expect(listed(accounts_page, NEW_EMAIL)).to_have_count(1)
    row = accounts_page.locator("table.accounts tr").filter(has_text=NEW_EMAIL)
    expect(row).to_contain_text("Zoé LAMBERT")
    expect(row).to_contain_text("Avocat")


@pytest.mark.browser
def test_an_email_already_used_is_refused(accounts_page):
    fill_account_form(accounts_page, NEW_EMAIL)
    expect(accounts_page.locator(".flash.success")).to_have_text("Compte créé.")

    fill_account_form(accounts_page, NEW_EMAIL)
    expect(accounts_page.locator("form#form")).to_contain_text("Un compte existe déjà avec cette adresse électronique.")
    expect(listed(accounts_page, NEW_EMAIL)).to_have_count(1)


@pytest.mark.browser
def test_an_invalid_email_is_refused(accounts_page):
    fill_account_form(accounts_page, "zoe.lambert-at-example.org")
    expect(accounts_page.locator("form#form")).to_contain_text("Adresse électronique invalide.")
    expect(listed(accounts_page, "zoe.lambert-at-example.org")).to_have_count(0)


@pytest.mark.browser
def test_admin_renames_the_platform_and_gives_the_support_address(admin, page):
    page.get_by_role("navigation").get_by_role("link", name="Paramètres").click()
    expect(admin.heading()).to_have_text("Paramètres de la plateforme")
    form = page.locator("form#form")
    expect(form.get_by_label("Nom de la plateforme")).to_have_value("Opalexe")

    form.get_by_label("Nom de la plateforme").fill("Opalexe – CA Angers")
    form.get_by_label("Adresse de contact du support").fill("support@ca-angers.example")
    form.get_by_role("button", name="Enregistrer").click()

    expect(page.locator(".flash.success")).to_have_text("Paramètres enregistrés.")
    expect(page.locator("header a.brand")).to_have_text("Opalexe – CA Angers")
    expect(page).to_have_title("Paramètres — Opalexe – CA Angers")
    contact = page.locator("footer").get_by_role("link", name="support@ca-angers.example")
    expect(contact).to_have_attribute("href", "mailto:support@ca-angers.example")


@pytest.mark.browser
def test_an_invalid_support_address_is_refused(admin, page):
    admin.open("/parametres")
    form = page.locator("form#form")
    form.get_by_label("Adresse de contact du support").fill("support-at-example")
    form.get_by_role("button", name="Enregistrer").click()

    expect(form).to_contain_text("Adresse électronique invalide.")
    expect(page.locator("footer .contact")).to_have_count(0)


@pytest.mark.browser
def test_admin_disables_an_account_then_enables_it_again(accounts_page):
    row = accounts_page.locator("table.accounts tbody tr").filter(has_text="mediateur@demo.opalexe.test")
    row.get_by_label("Motif").fill("A quitté la juridiction")
    row.get_by_role("button", name="Désactiver").click()
    expect(accounts_page.locator(".flash.success")).to_contain_text("Compte de Yves ROUX désactivé")
    row = accounts_page.locator("table.accounts tbody tr").filter(has_text="mediateur@demo.opalexe.test")
    expect(row).to_contain_text("Désactivé : A quitté la juridiction")
    row.get_by_role("button", name="Réactiver").click()
    expect(accounts_page.locator(".flash.success")).to_have_text("Compte de Yves ROUX réactivé.")
    expect(accounts_page.locator("table.accounts tbody tr").filter(has_text="mediateur@demo.opalexe.test")
           ).to_contain_text("Actif")
