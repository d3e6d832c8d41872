"""Every URL obeys the rights matrix: every route of a case and of its
folders, as each role of that case, as a participant of another case, as a
deactivated participant, as a stranger (an expert of the platform, not of
this case), as the platform's administrator and as a visitor.

The expectations are written out by hand from the courts' conventions
(SPEC.md, "Folders, channels and rights"; the reasons in
``opalexe_core/rights.py``), independently of ``opalexe_core.rights``: a
change to the matrix must change this table too. Nothing leaks through the
listings, the search, the counts or the error pages either.
"""

import re
import uuid

import pytest

from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, platform_of

ROLES = ["expert", "coexpert", "sapiteur", "magistrat", "greffier", "avocat1", "avocat2", "intervenant", "mediateur"]
OUTSIDERS = ["other_case", "deactivated", "stranger", "admin"]
USERS = ROLES + OUTSIDERS
EVERYONE = set(ROLES)
EXPERTS = {"expert", "coexpert"}
COURT_AND_EXPERTS = EXPERTS | {"magistrat", "greffier"}
NOT_SAPITEUR = EVERYONE - {"sapiteur"}

# folder path inside the case -> (who may read, who may deposit)
EXPECTED = {
    "01-expert-greffe-parties": (EVERYONE, EXPERTS),
    "02-greffe-expert-parties": (EVERYONE, COURT_AND_EXPERTS),
    "03-magistrat-expert": (COURT_AND_EXPERTS, COURT_AND_EXPERTS),
    "04-partie": (EVERYONE, {"avocat1"}),  # Dupont, avocat1's client
    "05-partie": (EVERYONE, {"avocat2", "intervenant"}),  # SDC Les Tilleuls
    "06-partie": (EVERYONE, set()),  # SARL Bâti Ouest: its lawyer was deactivated; served on paper
    "07-notes-expert": (EVERYONE, EXPERTS | {"sapiteur"}),
    "08-convocations": (EVERYONE, EXPERTS),
    "09-greffe": (NOT_SAPITEUR, set()),
    "09-greffe/01-rapport-definitif": (NOT_SAPITEUR, EXPERTS),
}
FOLDER_CASES = [(user, folder) for user in USERS for folder in EXPECTED]

# The case's changes: view name -> (who may post, a post its permitted users see refused: nothing changes)
MANAGERS, ADVANCER = EXPERTS, {"expert"}
ACTIONS = {
    "statut": (ADVANCER, lambda ids: {"status": "archivee"}),  # skips a step: refused
    "participants": (MANAGERS, lambda ids: {"__formid__": "participant-form"}),
    "desactiver": (MANAGERS, lambda ids: {"account_id": ids["expert"]}),  # the expert stays
    "reactiver": (MANAGERS, lambda ids: {"account_id": ids["avocat1"]}),  # active already
    "parties": (MANAGERS, lambda ids: {"__formid__": "party-form"}),
    "signalement": (MANAGERS, lambda ids: {"party_id": ids["dupont"], "reason": ""}),  # not flagged
    "opposition": (MANAGERS, lambda ids: {"__formid__": "objection-form"}),
    "dossiers/03-magistrat-expert/acces": (MANAGERS, lambda ids: {"__formid__": "grant-form"}),
}
ACTION_CASES = [(user, action) for user in USERS for action in ACTIONS]

SECRETS = ("Tilleuls", "Dupont", "Bâti Ouest", "18/00001")  # what a stranger must not read of the case


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    from pytest_opalexe.web import close_app, file_storage_uri, make_app, test_settings

    application = make_app(test_settings(file_storage_uri(tmp_path_factory.mktemp("rights"))))
    yield application
    close_app(application)


@pytest.fixture(scope="module")
def world(module_app):
    """The outsiders' accounts (a lawyer of the Laval case only; a lawyer of
    this case set « inactif »; an expert of no case), and the ids the posts need."""
    from opalexe_core.api import AuthMethod, Role
    from opalexe_core.services.accounts import create_account
    from opalexe_core.services.participants import add_participant, deactivate_participant
    from opalexe_core.services.platform import Actor

    emails = {}
    with platform_of(module_app) as platform:
        root = platform.root
        expert = Actor(root.accounts.find_by_email(demo_email("expert")), AuthMethod.DEMO)
        tilleuls = next(case for case in root.expertises.values() if "Tilleuls" in case.name)
        laval = next(case for case in root.expertises.values() if "Laval" in case.name)
        made = {}
        for key, profile in (("other_case", "avocat"), ("deactivated", "avocat"), ("stranger", "expert")):
            emails[key] = f"{key}.{uuid.uuid4().hex[:8]}@example.test"
            made[key] = create_account(platform, Actor.platform(), first_name="Test", last_name=key.capitalize(),
                                       email=emails[key], profile=profile)
        add_participant(platform, expert, laval, made["other_case"], Role.AVOCAT, laval.parties[0].id)
        add_participant(platform, expert, tilleuls, made["deactivated"], Role.AVOCAT, tilleuls.parties[2].id)
        deactivate_participant(platform, expert, tilleuls, made["deactivated"].id, "clé compromise")
        platform.transaction.commit()
        ids = {key: root.accounts.find_by_email(demo_email(key)).id for key in ROLES}
        ids["dupont"] = tilleuls.first("demandeur").id
        return {"case": f"/expertises/{tilleuls.id}/", "emails": emails, "ids": ids}


def email_of(world, user):
    return world["emails"].get(user) or demo_email(user)


@pytest.fixture(scope="module")
def clients(module_app, world):
    cache = {}

    def client(user):
        if user not in cache:
            cache[user] = browser_client(module_app)
            page = cache[user].get("/connexion/demo")
            email = email_of(world, user)
            next(form for form in page.forms.values() if f'data-email="{email}"' in form.text).submit()
        return cache[user]

    return client


def events_so_far(app) -> int:
    with platform_of(app) as platform:
        outbox = platform.root.outbox
        return len(outbox) + outbox.delivered_count()


def refused(response):
    assert response.status_int == 403, response.status
    assert "Accès refusé" in response.text
    for secret in SECRETS:
        assert secret not in response.text  # nothing of the case in the refusal


@pytest.mark.parametrize(("user", "folder"), FOLDER_CASES, ids=[f"{u}-{f}" for u, f in FOLDER_CASES])
def test_folder_read_and_deposit_rights(clients, world, user, folder):
    readers, depositors = EXPECTED[folder]
    response = clients(user).get(f"{world['case']}dossiers/{folder}/", expect_errors=True)
    if user not in readers:
        return refused(response)
    assert response.status_int == 200
    may_deposit = "Vous pouvez déposer des documents dans ce coffre." in response.text
    assert may_deposit == (user in depositors)
    assert ("Qui accède à ce coffre" in response.text) == (user in MANAGERS)  # the access section


@pytest.mark.parametrize("user", USERS)
def test_the_case_page_shows_its_participants_exactly_the_readable_folders_and_the_changes_they_may_make(
        clients, world, user):
    case_url = world["case"]
    response = clients(user).get(case_url, expect_errors=True)
    if user not in ROLES:
        return refused(response)
    listed = set(re.findall(r'href="http://localhost' + re.escape(case_url) + r'dossiers/([^"#]+)/"', response.text))
    assert listed == {folder for folder, (readers, _) in EXPECTED.items() if user in readers}
    forms = {form.action.replace("http://localhost" + case_url, "") for form in response.forms.values()
             if not form.action.endswith(("/deconnexion", "/changer-authentification"))}  # the header's
    expected_forms = {action for action, (allowed, _) in ACTIONS.items() if user in allowed and "/" not in action}
    assert forms == expected_forms
    assert "Matrice des droits" in response.text  # shown to every participant


@pytest.mark.parametrize(("user", "action"), ACTION_CASES, ids=[f"{u}-{a}" for u, a in ACTION_CASES])
def test_every_change_of_the_case_is_posted_by_those_the_matrix_allows_only(module_app, clients, world, user,
                                                                            action):
    client = clients(user)
    allowed, body = ACTIONS[action]
    token = client.get("/juridictions/").html.find("input", attrs={"name": "csrf_token"})["value"]
    before = events_so_far(module_app)

    response = client.post(world["case"] + action, {"csrf_token": token, **body(world["ids"])}, expect_errors=True)

    if user in allowed:
        assert response.status_int in (302, 400), response.status  # through the gate, then refused for its input
        if response.status_int == 302:
            assert response.location.startswith("http://localhost" + world["case"])
    else:
        refused(response)
    assert events_so_far(module_app) == before  # nothing changed either way


def test_visitors_are_sent_to_the_login_page_for_every_route(module_app, world):
    visitor = browser_client(module_app)
    for path in ["", *[f"dossiers/{folder}/" for folder in EXPECTED]]:
        response = visitor.get(world["case"] + path)
        assert response.status_int == 302 and response.location.endswith("/connexion"), path
    for action in ACTIONS:
        response = visitor.post(world["case"] + action, {}, expect_errors=True)
        assert response.status_int in (302, 400), action  # the login page, or the CSRF refusal
        assert "Tilleuls" not in response.text


@pytest.mark.parametrize("user", USERS)
def test_listings_search_and_counts_show_only_the_cases_of_the_user(clients, user):
    client = clients(user)
    mine = {"other_case": 1, "deactivated": 0, "stranger": 0, "admin": 0}.get(user, 4)
    home = client.get("/")
    count = len(set(re.findall(r'<td><a href="http://localhost(/expertises/[0-9a-f]+/)"', home.text)))
    assert count == mine
    for query in ({"q": "Tilleuls"}, {"q": "18/00001"}, {"q": "18/1"}, {"q": "Dupont"},
                  {"juridiction": "tj-angers"}, {"statut": "en_cours"}):
        found = client.get("/", params=query)
        hits = re.findall(r'<td><a href="http://localhost(/expertises/[0-9a-f]+/)">([^<]*)</a>', found.text)
        assert bool(hits) == (user in ROLES), query
        assert all("Tilleuls" in name for _url, name in hits) or query != {"q": "Tilleuls"}
        if user not in ROLES:
            main = found.html.find("main")
            for echo in main.find_all("form", class_="search"):  # the query, as typed, stays in its field
                echo.decompose()
            assert not any(secret in main.text for secret in SECRETS) and "1 expertise" not in main.text


def test_a_deactivated_participant_loses_the_case_but_keeps_its_history(module_app, clients, world):
    refused(clients("deactivated").get(world["case"], expect_errors=True))
    with platform_of(module_app) as platform:
        case = platform.root.expertises[world["case"].split("/")[2]]
        account = platform.root.accounts.find_by_email(world["emails"]["deactivated"])
        assert account.id in case.participants and case.id in account.expertise_ids
    row = clients("expert").get(world["case"]).html.find("tr", attrs={"data-account": account.id})
    assert "(inactif)" in row.text and "Réactiver" in row.text


def test_a_guessed_case_url_finds_nothing(clients):
    response = clients("avocat1").get("/expertises/0123456789abcdef/", expect_errors=True)
    assert response.status_int == 404 and "Page introuvable" in response.text


def test_the_administrator_s_permissions_stop_at_the_expertises_container(module_app):
    """The root grants the administrator everything; the expertises container
    ends its ACL with DENY_ALL, so none of it reaches cases (no case creation
    by the administrator, who is not an expert)."""
    admin = ["system.Everyone", "system.Authenticated", "account:x", "group:admin", "profile:greffier"]
    expert = ["system.Everyone", "system.Authenticated", "account:y", "profile:expert"]
    with platform_of(module_app) as platform:
        root, authorizer = platform.root, platform.authorizer
        assert authorizer.permits_principals(admin, root, "create")
        assert not authorizer.permits_principals(admin, root.expertises, "create")
        assert authorizer.permits_principals(expert, root.expertises, "create")


def test_the_jurisdictions_directory_is_for_logged_in_users(module_app, clients):
    visitor = browser_client(module_app).get("/juridictions/")
    assert visitor.status_int == 302 and visitor.location.endswith("/connexion")
    assert clients("avocat1").get("/juridictions/").status_int == 200


@pytest.mark.parametrize("user", USERS)
def test_court_pages_are_the_court_s_clerks_and_magistrates(clients, user):
    client = clients(user)
    staff = client.get("/juridictions/tj-angers/personnel", expect_errors=True)
    send = client.get("/saisines/nouvelle", expect_errors=True)
    assert staff.status_int == (200 if user in ("magistrat", "greffier") else 403)
    assert send.status_int == (200 if user == "greffier" else 403)
    laval = client.get("/juridictions/tj-laval/personnel", expect_errors=True)
    assert laval.status_int == 403  # the demo court staff belong to the TJ Angers


def _case_urls_by_status(client) -> dict:
    """The expert's dashboard: one demo case in each status."""
    rows = re.findall(r'<tr>\s*<td><a href="http://localhost(/expertises/[0-9a-f]+/)">.*?</a></td><td>([^<]+)</td>',
                      client.get("/").text)
    return {status: url for url, status in rows}


@pytest.mark.parametrize(("status", "may_deposit"),
                         [("Créée", True), ("En cours", True), ("Terminée", False), ("Archivée", False)])
def test_a_closed_case_takes_no_more_deposits_but_stays_readable(clients, status, may_deposit):
    expert = clients("expert")
    case_url = _case_urls_by_status(expert)[status]

    folder = expert.get(f"{case_url}dossiers/01-expert-greffe-parties/")

    assert folder.status_int == 200
    assert ("Vous pouvez déposer des documents dans ce coffre." in folder.text) is may_deposit
    assert ("Ce coffre vous est ouvert en lecture." in folder.text) is not may_deposit


def test_an_archived_case_offers_no_change(clients):
    expert = clients("expert")
    archived = expert.get(_case_urls_by_status(expert)["Archivée"])
    assert sorted(form.action for form in archived.forms.values()) == [  # the header's only
        "http://localhost/changer-authentification", "http://localhost/deconnexion"]
    assert "Archiver" not in archived.text and "Ajouter un participant" not in archived.text


def test_a_lawyer_of_one_case_gets_nothing_of_another_case_even_with_its_exact_urls(clients, world):
    """A lawyer in the Laval case only: the URLs of the Angers case and of its
    folders, copied from someone else's screen, open nothing."""
    client = clients("other_case")
    for path in ("", "dossiers/01-expert-greffe-parties/", "dossiers/04-partie/",
                 "dossiers/09-greffe/01-rapport-definitif/"):
        refused(client.get(f"{world['case']}{path}", expect_errors=True))
