"""A clerk consults the jurisdictions directory and sees, on a case, the
party that must still be served on paper."""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_clerk_reads_the_directory_and_the_paper_service_alert(page, visitor, tilleuls):
    visitor.log_in("greffier")
    page.get_by_role("navigation").get_by_role("link", name="Juridictions").click()
    expect(visitor.heading()).to_have_text("Annuaire des juridictions")
    angers = page.locator("table.courts tbody tr").filter(has_text="Tribunal judiciaire d'Angers")
    expect(angers).to_contain_text("expertises.tj-angers@justice.fr")
    courts = page.locator("table.courts tbody tr")
    expect(courts.filter(has_text="Cour administrative d'appel de Nantes")).to_have_count(1)

    visitor.open_case(*tilleuls)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("par courrier")
    expect(alert).to_contain_text("SARL Bâti Ouest")
