"""WCAG 2.1 AA, checked by axe-core (vendored from the npm registry in
``vendor/axe-core``, its licence beside it) on the platform's pages, as
each kind of user sees them, forms with their errors included; and the
layout from 320 px to a wide screen."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG_AA,
    )
    return found


def no_violations(page, where):
    assert violations(page) == [], where


@pytest.mark.browser
def test_the_visitor_s_pages(page, visitor):
    for path in ("/", "/connexion", "/connexion/demo", "/page-qui-n-existe-pas"):
        visitor.open(path)
        no_violations(page, path)


@pytest.mark.browser
def test_the_expert_s_pages(page, visitor, tilleuls):
    visitor.log_in("expert")
    no_violations(page, "dashboard")
    visitor.open("/?q=Tilleuls&statut=en_cours")
    no_violations(page, "search")
    visitor.open_case(*tilleuls)
    page.locator("details.row-action").first.locator("summary").click()  # a row's opened action
    no_violations(page, "case page")
    page.locator("#participant-form button[name=submit]").click()  # sent empty: errors beside fields
    expect(page.locator("#participant-form .form-errors")).to_be_visible()
    no_violations(page, "case page with a form's errors")
    visitor.folder_link("magistrat→expert").click()
    no_violations(page, "folder page with its access section")
    visitor.open("/expertises/nouvelle")
    no_violations(page, "creation form")
    page.get_by_role("button", name="Ajouter un avocat").first.click()
    page.get_by_role("button", name="Voir le nom de l'expertise").click()
    expect(page.locator(".form-errors")).to_be_visible()
    no_violations(page, "creation form with its errors")
    visitor.open("/saisines/")
    no_violations(page, "designations")


@pytest.mark.browser
def test_the_court_s_pages(page, visitor):
    visitor.log_in("greffier")
    for path in ("/saisines/nouvelle", "/juridictions/tj-angers/personnel", "/saisines/", "/juridictions"):
        visitor.open(path)
        no_violations(page, path)
    page.get_by_role("button", name="Envoyer la désignation").count()
    visitor.open("/saisines/nouvelle")
    page.get_by_role("button", name="Envoyer la désignation").click()
    expect(page.locator(".form-errors")).to_be_visible()
    no_violations(page, "designation form with its errors")


@pytest.mark.browser
def test_the_administrator_s_and_a_lawyer_s_pages(page, visitor, tilleuls):
    visitor.log_in("admin")
    for path in ("/comptes", "/parametres", "/extensions"):
        visitor.open(path)
        no_violations(page, path)
    visitor.log_out()
    visitor.log_in("avocat1")
    visitor.open_case(*tilleuls)
    no_violations(page, "case page as a lawyer")


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 768, 1920])
def test_pages_fit_the_screen_from_320_px(page, visitor, tilleuls, width):
    visitor.log_in("expert")
    page.set_viewport_size({"width": width, "height": 800})
    for where in ("/", "/expertises/nouvelle", "/saisines/"):
        visitor.open(where)
        assert horizontal_overflow(page) <= 0, where
    visitor.open_case(*tilleuls)
    assert horizontal_overflow(page) <= 0, "case page"  # wide tables scroll inside their box
    page.screenshot(path=f"test-artifacts/case-{width}.png", full_page=True)


@pytest.mark.browser
def test_the_header_is_one_line_at_1280_px(page, visitor):
    page.set_viewport_size({"width": 1280, "height": 800})
    visitor.log_in("admin")  # the longest menu
    boxes = [page.locator(selector).bounding_box() for selector in (".brand-block", ".banner nav", ".who")]
    centres = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(centres) - min(centres) < 12, boxes
    assert page.locator(".banner").bounding_box()["height"] < 90
