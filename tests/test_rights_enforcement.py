"""Every URL obeys the rights matrix: each demo role against every folder of
a case it belongs to, and of one it does not.

The expectations below are written out by hand from the courts' conventions
(SPEC.md, "Folders, channels and rights"), independently of
``opalexe_core.rights``.
"""

import re
import uuid

import pytest

from pytest_opalexe.web import browser_client, demo_login, platform_of

EVERYONE = {"expert", "coexpert", "sapiteur", "magistrat", "greffier", "avocat1", "avocat2", "intervenant",
            "mediateur"}
COURT_AND_EXPERTS = {"expert", "coexpert", "magistrat", "greffier"}
NOT_SAPITEUR = EVERYONE - {"sapiteur"}

# folder path inside the case -> (who may read, who may deposit)
EXPECTED = {
    "01-expert-greffe-parties": (EVERYONE, {"expert", "coexpert"}),
    "02-greffe-expert-parties": (EVERYONE, COURT_AND_EXPERTS),
    "03-magistrat-expert": (COURT_AND_EXPERTS, COURT_AND_EXPERTS),
    "04-partie": (EVERYONE, {"avocat1"}),  # Dupont, avocat1's client
    "05-partie": (EVERYONE, {"avocat2", "intervenant"}),  # SDC Les Tilleuls
    "06-partie": (EVERYONE, set()),  # SARL Bâti Ouest: no lawyer, served on paper
    "07-notes-expert": (EVERYONE, {"expert", "coexpert", "sapiteur"}),
    "08-convocations": (EVERYONE, {"expert", "coexpert"}),
    "09-greffe": (NOT_SAPITEUR, set()),
    "09-greffe/01-rapport-definitif": (NOT_SAPITEUR, {"expert", "coexpert"}),
}
USERS = sorted(EVERYONE | {"admin"})
CASE = [(user, folder) for user in USERS for folder in EXPECTED]


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    from pytest_opalexe.web import close_app, file_storage_uri, make_app, test_settings

    application = make_app(test_settings(file_storage_uri(tmp_path_factory.mktemp("rights"))))
    yield application
    close_app(application)


@pytest.fixture(scope="module")
def case_url(module_app):
    home = demo_login(browser_client(module_app), "expert")
    return "/" + re.search(r'href="http://localhost/(expertises/[0-9a-f]+/)">[^<]*Les Tilleuls', home.text).group(1)


@pytest.fixture(scope="module")
def clients(module_app):
    cache = {}

    def client(user):
        if user not in cache:
            cache[user] = browser_client(module_app)
            demo_login(cache[user], user)
        return cache[user]

    return client


@pytest.mark.parametrize(("user", "folder"), CASE, ids=[f"{u}-{f}" for u, f in CASE])
def test_folder_read_and_deposit_rights(clients, case_url, user, folder):
    readers, depositors = EXPECTED[folder]
    response = clients(user).get(f"{case_url}dossiers/{folder}/", expect_errors=True)
    if user not in readers:
        assert response.status_int == 403
        assert "Accès refusé" in response.text
        return
    assert response.status_int == 200
    may_deposit = "Vous pouvez déposer des documents dans ce coffre." in response.text
    assert may_deposit == (user in depositors)


@pytest.mark.parametrize("user", USERS)
def test_the_case_page_lists_only_readable_folders(clients, case_url, user):
    response = clients(user).get(case_url, expect_errors=True)
    if user == "admin":  # the platform administrator reads no case (least privilege)
        assert response.status_int == 403
        return
    listed = set(re.findall(r'href="http://localhost' + re.escape(case_url) + r'dossiers/([^"]+)/"', response.text))
    assert listed == {folder for folder, (readers, _) in EXPECTED.items() if user in readers}


@pytest.mark.parametrize("user", USERS)
def test_the_dashboard_lists_only_the_cases_of_the_user(clients, user):
    home = clients(user).get("/")
    count = len(re.findall(r'href="http://localhost/expertises/[0-9a-f]+/"', home.text))
    assert count == (0 if user == "admin" else 4)


def test_visitors_are_sent_to_the_login_page(module_app, case_url):
    response = browser_client(module_app).get(f"{case_url}dossiers/03-magistrat-expert/")
    assert response.status_int == 302
    assert response.location.endswith("/connexion")


def test_a_guessed_case_or_folder_url_finds_nothing(clients):
    response = clients("avocat1").get("/expertises/0123456789abcdef/", expect_errors=True)
    assert response.status_int == 404
    assert "Page introuvable" in response.text


def test_a_deactivated_participant_loses_the_case_but_keeps_its_history(module_app, clients, case_url):
    with platform_of(module_app) as platform:
        root, manager = platform.root, platform.transaction
        case = root.expertises[case_url.strip("/").split("/")[1]]
        mediateur = root.accounts.find_by_email("mediateur@demo.opalexe.test")
        case.participants[mediateur.id].active = False
        manager.commit()
        try:
            client = browser_client(module_app)
            demo_login(client, "mediateur")
            assert client.get(case_url, expect_errors=True).status_int == 403
            assert client.get(f"{case_url}dossiers/01-expert-greffe-parties/", expect_errors=True).status_int == 403
            assert mediateur.id in case.participants  # its past part in the case stays on record
            expert_view = clients("expert").get(case_url)
            assert "(inactif)" in expert_view.text
        finally:
            case.participants[mediateur.id].active = True
            manager.commit()


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


def test_a_lawyer_of_one_case_gets_nothing_of_another_case_even_with_its_exact_urls(module_app, clients):
    """A lawyer in the Laval case only: the URLs of the Angers case and of its
    folders, copied from someone else's screen, open nothing. (Its own
    lawyer each time, so that the test runs again in the same process.)"""
    from opalexe_core.api import AuthMethod, Role
    from opalexe_core.services.accounts import create_account
    from opalexe_core.services.expertises import add_participant
    from opalexe_core.services.platform import Actor

    urls = _case_urls_by_status(clients("expert"))
    laval, angers = urls["Créée"], urls["En cours"]
    email = f"ines.caron.{uuid.uuid4().hex[:8]}@example.test"
    with platform_of(module_app) as platform:
        root = platform.root
        lawyer = create_account(platform, Actor.platform(), first_name="Inès", last_name="Caron", email=email,
                                profile="avocat")
        case = root.expertises[laval.strip("/").split("/")[1]]
        expert = Actor(root.accounts.find_by_email("expert@demo.opalexe.test"), AuthMethod.DEMO)
        add_participant(platform, expert, case, lawyer, Role.AVOCAT, case.parties[0].id)
        platform.transaction.commit()
    client = browser_client(module_app)
    page = client.get("/connexion/demo")
    next(form for form in page.forms.values() if f'data-email="{email}"' in form.text).submit()

    dashboard = client.get("/")
    assert laval in dashboard.text and angers not in dashboard.text
    assert client.get(laval).status_int == 200
    for path in ("", "dossiers/01-expert-greffe-parties/", "dossiers/04-partie/",
                 "dossiers/09-greffe/01-rapport-definitif/"):
        response = client.get(f"{angers}{path}", expect_errors=True)
        assert response.status_int == 403, path
        assert "Accès refusé" in response.text
        assert "Dupont" not in response.text  # nothing of the other case leaks into the refusal
