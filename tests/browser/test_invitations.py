"""The expert invites a participant by e-mail from the case's page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_expert_invites_a_participant(visitor, tmp_path):
    page = visitor.page
    visitor.log_in("expert")
    visitor.open_case("Les Tilleuls")
    page.get_by_role("link", name="Inviter un participant").click()
    expect(visitor.heading()).to_have_text("Inviter un participant")
    page.get_by_label("Adresse électronique").fill("lea.morin@example.test")
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Nom de famille").fill("Morin")
    page.get_by_label("Rôle dans l'expertise").select_option(label="Intervenant de partie")
    page.get_by_role("button", name="Inviter").click()  # no party for an intervenant: refused
    expect(page.get_by_text("Un avocat ou un intervenant doit être rattaché à une partie")).to_be_visible()
    page.get_by_label("Partie représentée").select_option(label="Dupont")
    page.screenshot(path=str(tmp_path / "invitation.png"), full_page=True)
    page.get_by_role("button", name="Inviter").click()
    expect(page.locator(".flash.success")).to_contain_text("lea.morin@example.test est invité(e)")
    expect(page.locator("table.participants")).to_contain_text("Léa MORIN")
