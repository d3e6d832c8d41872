"""What a screen-reader user meets: forms that leave the focus where the page
starts and name each field's error, tables named by their caption."""

import pytest
from playwright.sync_api import expect


def focused_tag(page):
    return page.evaluate("document.activeElement.tagName")


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/comptes", "/parametres"])
def test_a_form_page_does_not_move_the_focus(page, visitor, path):
    visitor.log_in("admin")
    visitor.open(path)
    expect(page.locator("form#form")).to_be_visible()
    expect(page.locator("[autofocus]")).to_have_count(0)
    assert focused_tag(page) == "BODY"


@pytest.mark.browser
def test_an_invalid_field_is_marked_and_described_by_its_error(page, visitor):
    visitor.log_in("admin")
    visitor.open("/comptes")
    form = page.locator("form#form")
    form.get_by_label("Prénom", exact=True).fill("Zoé")
    form.get_by_label("Nom de famille", exact=True).fill("Lambert")
    form.get_by_label("Adresse électronique", exact=True).fill("zoe.lambert-at-example.org")
    form.get_by_label("Profil", exact=True).select_option("avocat")
    form.get_by_role("button", name="Créer le compte").click()

    email = form.get_by_label("Adresse électronique", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Adresse électronique invalide.")
    first_name = form.get_by_label("Prénom", exact=True)
    expect(first_name).not_to_have_attribute("aria-invalid", "true")
    expect(first_name).to_have_accessible_description("")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "caption"),
    [
        ("/connexion/demo", "Comptes de démonstration : un bouton par compte pour se connecter en son nom"),
        ("/juridictions", "Juridictions, leur ressort et leur service du contrôle des expertises"),
        ("/extensions", "Extensions chargées et points d'extension que chacune met en œuvre"),
        ("/comptes", "Personnes connues de la plateforme"),
    ],
)
def test_tables_are_named_by_their_caption(page, visitor, path, caption):
    visitor.log_in("admin")
    visitor.open(path)
    expect(page.get_by_role("table", name=caption, exact=True)).to_be_visible()


@pytest.mark.browser
def test_the_participants_table_of_a_case_is_named(page, visitor, tilleuls):
    visitor.log_in("expert")
    visitor.open_case(*tilleuls)
    caption = "Participants de l'expertise, leur rôle et la partie qu'ils représentent"
    expect(page.get_by_role("table", name=caption, exact=True)).to_be_visible()
