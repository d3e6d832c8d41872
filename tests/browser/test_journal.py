"""The expert reads the case's journal in a browser and filters it."""

import pytest
from playwright.sync_api import expect

SCREENSHOT = "/tmp/opalexe-journal.png"


@pytest.mark.browser
def test_the_expert_filters_the_case_s_journal(visitor, live_app, tilleuls):
    visitor.log_in("expert")
    visitor.open_case(*tilleuls)
    live_app.registry.opalexe_journal.run()  # the sequencer's thread does it every few seconds in production
    page = visitor.page
    page.get_by_role("link", name="Journal de l'expertise").click()
    expect(visitor.heading()).to_have_text("Journal de l'expertise")
    table = page.locator("table.journal")
    expect(table).to_contain_text("Jean MARTIN")
    expect(table).to_contain_text("Consultation")
    page.get_by_label("Action").select_option(label="Consultation")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_label("Action")).to_have_value("page.viewed")
    expect(table.locator("tbody tr")).not_to_have_count(0)
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_label("Du").fill("2026-05-02")
    page.get_by_label("Au").fill("2026-05-01")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("body")).to_contain_text("La date de début doit précéder la date de fin.")
