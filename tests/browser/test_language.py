"""A visitor switches the platform to English at the foot of a page, and back."""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_a_lawyer_switches_to_english_and_back(page, visitor, tilleuls):
    visitor.log_in("avocat1")
    visitor.open_case(*tilleuls)
    case_url = page.url
    languages = page.get_by_role("navigation", name="Langue")
    expect(languages.get_by_role("link", name="Français")).to_have_attribute("aria-current", "true")

    languages.get_by_role("link", name="English").click()

    expect(page).to_have_url(case_url)  # back on the same case
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english = page.get_by_role("navigation", name="Language")
    expect(english.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My expert assessments").click()
    expect(visitor.heading()).not_to_have_text("Mes expertises")  # the choice holds from page to page

    english.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(visitor.heading()).to_have_text("Mes expertises")
