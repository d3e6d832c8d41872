"""Browser journeys: Debian's chromium (Playwright) on the live app with the
demo data. ``page`` and ``live_server`` come from the ``opalexe`` pytest
plugin (``pytest_opalexe/pytest_opalexe/fixtures.py``)."""

import pytest
from playwright.sync_api import expect

from opalexe_core.services.demo import demo_email


class Visitor:
    """A person in front of ``page``, on the site served by ``live_server``."""

    def __init__(self, page, live_server):
        self.page = page
        self.url = live_server.url

    def open(self, path="/"):
        return self.page.goto(self.url + path)

    def heading(self):
        return self.page.get_by_role("heading", level=1)

    def log_in(self, key):
        """Through the profile choice and the demo accounts page, as a person
        would; ends on the dashboard."""
        self.open("/connexion")
        if self.page.locator("input[data-provider=demo]").count():  # unless this browser remembers it
            self.choose_profile("demo")
        self.page.locator(f'button[data-email="{demo_email(key)}"]').click()
        expect(self.heading()).to_have_text("Mes expertises")

    def choose_profile(self, provider_id):
        """« Quel est votre profil d'utilisateur ? »: the profile, then « Continuer »."""
        self.page.locator(f"input[data-provider={provider_id}]").check()
        self.page.get_by_role("button", name="Continuer").click()

    def log_out(self):
        self.page.get_by_role("button", name="Se déconnecter").click()
        expect(self.heading()).to_have_text("Bienvenue sur Opalexe")

    def open_case(self, *fragments):
        """Open the one expertise of the dashboard whose name holds every fragment."""
        self.open("/")
        link = self.page.locator("table.expertises tbody a")
        for fragment in fragments:
            link = link.filter(has_text=fragment)
        expect(link).to_have_count(1)
        link.click()
        expect(self.heading()).to_contain_text(fragments[0])

    def folder_link(self, title):
        return self.page.locator("ul.folders").get_by_role("link", name=title, exact=True)


@pytest.fixture
def visitor(page, live_server):
    return Visitor(page, live_server)


@pytest.fixture
def tilleuls():
    """What the dashboard shows of the demo case at the TJ Angers, as the
    core's default rule names it (the core's tests never depend on a naming
    plugin): its first défendeur, the court and the RG and EXP numbers."""
    return ("Les Tilleuls", "TJ Angers", "18/00001")
