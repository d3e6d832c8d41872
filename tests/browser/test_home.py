"""A visitor arrives, logs in as the demo expert, opens a case, logs out."""

import pytest
from playwright.sync_api import expect

from opalexe_core.services.demo import demo_email


@pytest.mark.browser
def test_expert_logs_in_opens_a_case_and_logs_out(page, visitor, tilleuls):
    visitor.open("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(visitor.heading()).to_have_text("Bienvenue sur Opalexe")

    page.get_by_role("main").get_by_role("link", name="Se connecter").click()
    expect(visitor.heading()).to_have_text("Quel est votre profil d'utilisateur ?")
    page.get_by_label("Compte de démonstration (développement)").check()
    page.get_by_role("button", name="Continuer").click()
    expect(visitor.heading()).to_have_text("Comptes de démonstration")
    page.locator(f'button[data-email="{demo_email("expert")}"]').click()

    expect(visitor.heading()).to_have_text("Mes expertises")
    cases = page.locator("table.expertises tbody tr")
    expect(cases).to_have_count(4)
    case = cases
    for fragment in tilleuls:
        case = case.filter(has_text=fragment)
    expect(case).to_have_count(1)

    case.get_by_role("link").click()
    expect(visitor.heading()).to_contain_text(tilleuls[0])
    for title in ("expert→greffe-parties", "greffe→expert-parties", "magistrat→expert"):
        expect(visitor.folder_link(title)).to_be_visible()

    visitor.log_out()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
