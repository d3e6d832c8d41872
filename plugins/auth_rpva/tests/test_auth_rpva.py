"""The RPVA lawyer key: the core checks it against the trust store ``rpva``;
the plugin reads the bar from the certificate; each login feeds the
« Annuaire des avocats », which experts search."""

import pytest

# isort: split
from opalexe_core.api import LawyerListed, hookimpl
from pytest_opalexe.web import (
    behind_nginx,
    browser_client,
    card_login,
    demo_login,
    file_storage_uri,
    platform_of,
    running_app,
)
from pytest_opalexe.web import test_settings as settings_for

PAGE = "/connexion/cle-avocat"


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def app(tmp_path, card_authorities, events):
    settings = settings_for(file_storage_uri(tmp_path), plugins=("auth_demo", "auth_rpva"),
                            **card_authorities.settings(), **{"opalexe.proxy.unix_socket": "true"})
    with running_app(settings, plugins={"events": events}) as application:
        yield application


def lawyer_key(authority, cn="Claire FONTAINE", bar="Barreau de Lyon", serial="CNBF-12345"):
    return authority.issue({"cn": cn, "organizational_unit": bar, "organization": "Conseil National des Barreaux",
                            "serial_number": serial, "title": "Avocat"})


def first_login(app, key, email):
    client = behind_nginx(app, key)
    form = card_login(client, PAGE).follow().forms["form"]
    form["email"], form["postal_address"] = email, "3 quai Saint-Antoine\n69002 Lyon"
    return client, form.submit()


def test_a_lawyer_registers_and_appears_in_the_directory(app, card_authorities, events):
    client, home = first_login(app, lawyer_key(card_authorities.rpva), "c.fontaine@avocats.example")

    assert "Mes expertises" in home.follow().text
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email("c.fontaine@avocats.example")
        assert account.profile == "avocat"
        [entry] = platform.root.lawyers.search("fontaine")
        assert (entry.account_id, entry.bar) == (account.id, "Barreau de Lyon")
    [listed] = [e for e in events.seen if isinstance(e, LawyerListed)]
    assert listed.first_listed and listed.bar == "Barreau de Lyon"


def test_an_expert_searches_the_directory_by_name_or_bar(app, card_authorities):
    first_login(app, lawyer_key(card_authorities.rpva), "c.fontaine@avocats.example")
    first_login(app, lawyer_key(card_authorities.rpva, "Éric DUPRÉ", "Barreau d'Angers", "CNBF-2"),
                "e.dupre@avocats.example")
    expert = browser_client(app)
    home = demo_login(expert, "expert")

    directory = home.click("Annuaire des avocats")
    by_bar = expert.get("/annuaire-avocats/", {"q": "angers"})
    by_name = expert.get("/annuaire-avocats/recherche.json", {"q": "dupre eri"}).json

    assert "Claire FONTAINE" in directory.text and "Éric DUPRÉ" in directory.text
    assert "Éric DUPRÉ" in by_bar.text and "Claire FONTAINE" not in by_bar.text
    assert [lawyer["name"] for lawyer in by_name["lawyers"]] == ["Éric DUPRÉ"]
    assert expert.get("/annuaire-avocats/", {"q": "personne"}).html.select("table.lawyers") == []


def test_a_second_login_updates_the_entry_without_listing_twice(app, card_authorities, events):
    key = lawyer_key(card_authorities.rpva)
    first_login(app, key, "c.fontaine@avocats.example")
    card_login(behind_nginx(app, key), PAGE)

    with platform_of(app) as platform:
        assert len(platform.root.lawyers) == 1
    assert len([e for e in events.seen if isinstance(e, LawyerListed)]) == 1  # nothing changed: no event


@pytest.mark.parametrize("who", ["avocat1", "magistrat"])
def test_the_directory_is_for_experts(app, who):
    client = browser_client(app)
    demo_login(client, who)
    assert client.get("/annuaire-avocats/", expect_errors=True).status_int == 403
    assert client.get("/annuaire-avocats/recherche.json", expect_errors=True).status_int == 403


def test_a_key_that_names_no_bar_is_refused(app, card_authorities):
    key = card_authorities.rpva.issue({"cn": "Sans BARREAU", "organization": "Conseil National des Barreaux"})
    answer = card_login(behind_nginx(app, key), PAGE).follow()
    assert "ne nomme pas de barreau" in answer.text


def test_an_expert_card_is_not_a_lawyer_key(app, card_authorities):
    card = card_authorities.certeurope.issue({"cn": "Jean MARTIN", "organizational_unit": "Barreau de Paris"})
    answer = card_login(behind_nginx(app, card), PAGE).follow()
    assert "n'a pas été délivré par une autorité reconnue" in answer.text


def test_the_key_page_in_english(app):
    client = behind_nginx(app)
    client.set_cookie("_LOCALE_", "en")
    assert "Lawyer key login" in client.get(PAGE).text
