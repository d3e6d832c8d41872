"""The folder page: who may deposit where, what a lawyer never sees, the way
back to the case. In the demo case at the TJ Angers, avocat1 (Sophie MOREAU)
acts for the claimant Dupont."""

import pytest
from playwright.sync_api import expect

CONFIDENTIAL = "magistrat→expert"
CLIENT = "Dupont"
OPPONENT = "SARL Bâti Ouest"
MAY_DEPOSIT = "Vous pouvez déposer des documents dans ce coffre."
READ_ONLY = "Ce coffre vous est ouvert en lecture."


def folder_row(visitor, title):
    link = visitor.page.get_by_role("link", name=title, exact=True)
    return visitor.page.locator("ul.folders li").filter(has=link)


def crumbs(page):
    return page.get_by_role("navigation", name="Fil d'Ariane")


@pytest.mark.browser
def test_lawyer_deposits_in_its_clients_folder_and_reads_the_others(page, visitor, tilleuls):
    visitor.log_in("avocat1")
    visitor.open_case(*tilleuls)
    case_name = visitor.heading().inner_text()
    expect(visitor.folder_link(CONFIDENTIAL)).to_have_count(0)
    expect(folder_row(visitor, CLIENT)).to_contain_text("dépôt autorisé")
    expect(folder_row(visitor, OPPONENT)).not_to_contain_text("dépôt autorisé")

    visitor.folder_link(CLIENT).click()
    expect(visitor.heading()).to_have_text(CLIENT)
    expect(page).to_have_title(f"{CLIENT} — {case_name} — Opalexe")
    expect(page.get_by_role("main")).to_contain_text(MAY_DEPOSIT)
    expect(page.get_by_role("main")).to_contain_text("Aucun document.")

    crumbs(page).get_by_role("link", name=case_name).click()
    expect(visitor.heading()).to_have_text(case_name)
    visitor.folder_link(OPPONENT).click()
    expect(visitor.heading()).to_have_text(OPPONENT)
    expect(page.get_by_role("main")).to_contain_text(READ_ONLY)
    expect(page.get_by_role("main")).not_to_contain_text(MAY_DEPOSIT)


@pytest.mark.browser
def test_judge_sees_and_may_deposit_in_the_judge_expert_folder(page, visitor, tilleuls):
    visitor.log_in("magistrat")
    visitor.open_case(*tilleuls)
    expect(folder_row(visitor, CONFIDENTIAL)).to_contain_text("dépôt autorisé")

    visitor.folder_link(CONFIDENTIAL).click()
    expect(visitor.heading()).to_have_text(CONFIDENTIAL)
    expect(page.get_by_role("main")).to_contain_text(MAY_DEPOSIT)


@pytest.mark.browser
def test_clerk_reads_the_final_report_folder_under_the_registry(page, visitor, tilleuls):
    visitor.log_in("greffier")
    visitor.open_case(*tilleuls)
    case_name = visitor.heading().inner_text()

    visitor.folder_link("Greffe").click()
    expect(visitor.heading()).to_have_text("Greffe")
    visitor.folder_link("Rapport définitif").click()
    expect(visitor.heading()).to_have_text("Rapport définitif")
    expect(page.get_by_role("main")).to_contain_text(READ_ONLY)
    expect(crumbs(page).get_by_role("link")).to_have_text([case_name, "Greffe"])

    crumbs(page).get_by_role("link", name="Greffe").click()
    expect(visitor.heading()).to_have_text("Greffe")


@pytest.mark.browser
def test_a_locale_cookie_keeps_the_pages_in_english(page, visitor, live_server, tilleuls):
    visitor.log_in("expert")
    page.context.add_cookies([{"name": "_LOCALE_", "value": "en", "url": live_server.url}])
    visitor.open_case(*tilleuls)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.folder_link("Dupont")).to_be_visible()  # a party's name stays as it is
    visitor.folder_link("Court registry").click()
    expect(visitor.heading()).to_have_text("Court registry")

    visitor.folder_link("Final report").click()
    expect(visitor.heading()).to_have_text("Final report")
    expect(page.get_by_role("main")).to_contain_text("You may deposit documents in this folder.")
    expect(page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Court registry")).to_be_visible()


@pytest.mark.browser
def test_the_locale_parameter_is_for_one_page(page, visitor):
    visitor.open("/?_LOCALE_=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.heading()).to_have_text("Welcome to Opalexe")
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
