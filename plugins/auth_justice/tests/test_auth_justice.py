"""The ministry agent card: the core checks it against the trust store
``justice``; the plugin asks the ministry's directory (a real slapd started
by the kit) for the agent's role, court and the court's structural address,
at every login, and refuses clearly when the directory does not answer."""

import pytest

# isort: split
from opalexe_core.api import LoginOpened, hookimpl
from pytest_opalexe.ldap import agent_entry, court_entry
from pytest_opalexe.web import behind_nginx, card_login, file_storage_uri, platform_of, running_app
from pytest_opalexe.web import test_settings as settings_for

PAGE = "/connexion/carte-agent"
DIRECTORY = (
    agent_entry("hdurand", "Hélène", "DURAND", role="magistrat", court="tj-angers", mail="helene.durand@justice.fr")
    + agent_entry("pleroy", "Paul", "LEROY", role="greffier", court="tj-angers", mail="paul.leroy@justice.fr")
    + agent_entry("sbernard", "Sophie", "BERNARD", role="directeur", court="tj-angers", mail="s.bernard@justice.fr")
    + court_entry("tj-angers", "Tribunal judiciaire d'Angers", "expertises.tj-angers@justice.fr")
)


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)


@pytest.fixture
def directory(slapd_directory):
    return slapd_directory(DIRECTORY)


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def app(tmp_path, card_authorities, directory, events):
    settings = settings_for(file_storage_uri(tmp_path), plugins=("auth_demo", "auth_justice"),
                            **card_authorities.settings(), **directory.settings(),
                            **{"opalexe.proxy.unix_socket": "true"})
    with running_app(settings, plugins={"events": events}) as application:
        yield application


def agent_card(authority, uid="hdurand", cn="Hélène DURAND"):
    return authority.issue({"cn": cn, "uid": uid, "organization": "Ministère de la Justice"})


def register(app, card, email):
    client = behind_nginx(app, card)
    form = card_login(client, PAGE).follow().forms["form"]
    form["email"] = email
    return client, form.submit()


def test_a_magistrate_s_role_court_and_structural_address_come_from_the_directory(app, card_authorities):
    _client, home = register(app, agent_card(card_authorities.justice), "helene.durand@justice.fr")

    assert "Mes expertises" in home.follow().text
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email("helene.durand@justice.fr")
        assert account.profile == "magistrat"
        assert account.identity_facts["court"] == "tj-angers"
        assert account.identity_facts["structural_email"] == "expertises.tj-angers@justice.fr"


def test_a_clerk_is_a_greffier(app, card_authorities):
    register(app, agent_card(card_authorities.justice, "pleroy", "Paul LEROY"), "paul.leroy@justice.fr")
    with platform_of(app) as platform:
        assert platform.root.accounts.find_by_email("paul.leroy@justice.fr").profile == "greffier"


def test_the_registration_form_is_filled_from_the_directory(app, card_authorities):
    form = card_login(behind_nginx(app, agent_card(card_authorities.justice)), PAGE).follow().forms["form"]
    assert (form["first_name"].value, form["last_name"].value, form["email"].value) == (
        "Hélène", "DURAND", "helene.durand@justice.fr")


@pytest.mark.parametrize(("uid", "message"), [
    ("inconnu", "L'annuaire du ministère ne connaît pas l'agent de cette carte"),
    ("sbernard", "ni comme magistrat ni comme greffier"),
    ("x)(uid=*", "L'annuaire du ministère ne connaît pas l'agent de cette carte"),  # no LDAP injection
])
def test_an_agent_the_directory_does_not_vouch_for_is_refused(app, card_authorities, uid, message):
    answer = card_login(behind_nginx(app, agent_card(card_authorities.justice, uid)), PAGE).follow()
    assert message in answer.text


def test_an_unreachable_directory_gives_a_clear_page_no_login_and_nothing_cached(app, card_authorities, directory,
                                                                                events):
    card = agent_card(card_authorities.justice)
    client, _home = register(app, card, "helene.durand@justice.fr")
    logins_before = len([e for e in events.seen if isinstance(e, LoginOpened)])
    directory.stop()

    down = card_login(behind_nginx(app, card), PAGE, expect_errors=True)

    assert down.status_int == 503
    assert "L'annuaire du ministère de la Justice ne répond pas" in down.text
    assert len([e for e in events.seen if isinstance(e, LoginOpened)]) == logins_before
    directory.start()
    assert card_login(behind_nginx(app, card), PAGE).follow().request.path == "/"  # it answers again: no stale refusal


def test_a_card_without_an_agent_identifier_is_refused(app, card_authorities):
    card = card_authorities.justice.issue({"cn": "Sans UID"})
    assert "ne porte pas d'identifiant d'agent" in card_login(behind_nginx(app, card), PAGE).follow().text


def test_without_a_configured_directory_agents_are_told_so(tmp_path, card_authorities):
    settings = settings_for(file_storage_uri(tmp_path), plugins=("auth_demo", "auth_justice"),
                            **card_authorities.settings(), **{"opalexe.proxy.unix_socket": "true"})
    with running_app(settings) as application:
        answer = card_login(behind_nginx(application, agent_card(card_authorities.justice)), PAGE,
                            expect_errors=True)
    assert answer.status_int == 503 and "n'est pas configuré" in answer.text


def test_the_card_page_in_english(app):
    client = behind_nginx(app)
    client.set_cookie("_LOCALE_", "en")
    assert "Agent card login" in client.get(PAGE).text
