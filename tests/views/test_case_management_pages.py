"""The pages that manage people around cases: one participant's access to one
folder, deactivating a party's intervenant (with the FAQ's warning), a
court's staff replaced on its running cases, an account attached to its
court."""

import re

import pytest

from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, demo_login, platform_of


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    from pytest_opalexe.web import close_app, file_storage_uri, make_app, test_settings

    application = make_app(test_settings(file_storage_uri(tmp_path_factory.mktemp("management"))))
    yield application
    close_app(application)


def logged_in(app, key):
    client = browser_client(app)
    demo_login(client, key)
    return client


def case_url(client, fragment) -> str:
    home = client.get("/", params={"q": fragment})
    return re.search(r'href="http://localhost(/expertises/[0-9a-f]+/)"', home.text).group(1)


def account_id(app, key):
    with platform_of(app) as platform:
        return platform.root.accounts.find_by_email(demo_email(key)).id


def test_the_expert_withdraws_and_grants_one_participant_s_access_to_one_folder(module_app):
    expert = logged_in(module_app, "expert")
    confidential = case_url(expert, "Lefèvre") + "dossiers/03-magistrat-expert/"
    page = expert.get(confidential)
    form = page.forms["grant-form"]
    form["account_id"] = account_id(module_app, "greffier")
    form["right"] = "none"
    answer = form.submit("submit").follow()
    assert "Accès enregistré." in answer.text
    row = answer.html.find("table", class_="access").find("td", string=re.compile("Marc LEROY")).find_parent("tr")
    assert "Aucun accès" in row.text and "exception à la matrice" in row.text
    clerk = logged_in(module_app, "greffier")
    assert clerk.get(confidential, expect_errors=True).status_int == 403

    form = answer.forms["grant-form"]
    form["account_id"] = account_id(module_app, "sapiteur")
    form["right"] = "deposit"
    form.submit("submit").follow()
    sapiteur = logged_in(module_app, "sapiteur")
    assert "Vous pouvez déposer des documents dans ce coffre." in sapiteur.get(confidential).text
    assert "Marc LEROY" in expert.get(case_url(expert, "Lefèvre")).html.find("ul", class_="grants").text


def test_a_grant_with_a_forged_participant_or_right_is_refused_beside_its_field(module_app):
    expert = logged_in(module_app, "expert")
    folder = case_url(expert, "Lefèvre") + "dossiers/01-expert-greffe-parties/"
    for name, value, message in (("account_id", "0123456789abcdef", "ne participe pas à l'expertise"),
                                 ("right", "tout", "Droit inconnu.")):
        form = expert.get(folder).forms["grant-form"]
        form["account_id"] = account_id(module_app, "avocat1")
        form["right"] = "deposit"
        form[name].force_value(value)
        answer = form.submit("submit", expect_errors=True)
        assert answer.status_int == 400
        field = answer.html.find(attrs={"name": name, "aria-invalid": "true"})
        assert message in answer.html.find(id=field["aria-describedby"].split()[0]).text
    with platform_of(module_app) as platform:
        case = next(c for c in platform.root.expertises.values() if "Lefèvre" in c.name)
        assert case.folders["01-expert-greffe-parties"].grants is None


def test_a_lawyer_posting_the_grant_form_is_refused(module_app):
    lawyer = logged_in(module_app, "avocat1")
    folder = case_url(lawyer, "Tilleuls") + "dossiers/04-partie/"
    assert "grant-form" not in lawyer.get(folder).forms
    token = lawyer.get(folder).html.find("input", attrs={"name": "csrf_token"})["value"]
    answer = lawyer.post(folder + "acces", {"csrf_token": token, "account_id": account_id(module_app, "avocat1"),
                                            "right": "none"}, expect_errors=True)
    assert answer.status_int == 403


def test_deactivating_a_party_s_intervenant_warns_of_the_convocation_and_report_phases(module_app):
    expert = logged_in(module_app, "expert")
    url = case_url(expert, "Garnier")  # the case « terminée »: participants still change, deposits do not
    page = expert.get(url)
    form = next(f for f in page.forms.values() if f.action.endswith("/desactiver")
                and f["account_id"].value == account_id(module_app, "intervenant"))
    assert "Les convocations et le rapport doivent atteindre la partie elle-même" in page.text
    form["reason"] = "Hors des phases de convocation"
    answer = form.submit().follow()
    assert "Nadia GIRARD est désormais inactif" in answer.html.find(class_="flash success").text
    assert "réactivez-la avant" in answer.html.find(class_="flash warning").text
    reactivate = next(f for f in answer.forms.values() if f.action.endswith("/reactiver"))
    assert "de nouveau actif" in reactivate.submit().follow().text


def test_a_clerk_replaces_a_magistrate_on_the_running_cases_of_its_court(module_app):
    from opalexe_core.services.accounts import create_account, set_account_court
    from opalexe_core.services.platform import Actor

    with platform_of(module_app) as platform:
        newcomer = create_account(platform, Actor.platform(), first_name="Luc", last_name="Perrin",
                                  email="luc.perrin@example.test", profile="magistrat")
        set_account_court(platform, Actor.platform(), newcomer, "tj-angers")
        platform.transaction.commit()
        newcomer_id = newcomer.id
    clerk = logged_in(module_app, "greffier")
    page = clerk.get("/juridictions/tj-angers/personnel")
    form = page.forms["form"]
    form["role"] = "magistrat"
    form["old"] = account_id(module_app, "magistrat")
    form["new"] = newcomer_id
    answer = form.submit("submit").follow()
    assert "Remplacement fait dans 1 expertise(s) en cours." in answer.text  # Tilleuls; Laval is not Angers'
    with platform_of(module_app) as platform:
        cases = {case.name: case for case in platform.root.expertises.values()}
        tilleuls = next(case for name, case in cases.items() if "Tilleuls" in name)
        laval = next(case for name, case in cases.items() if "Laval" in name)
        assert not tilleuls.participants[account_id(module_app, "magistrat")].active
        assert tilleuls.participants[newcomer_id].active and newcomer_id not in laval.participants

    again = clerk.get("/juridictions/tj-angers/personnel").forms["form"]
    again["role"] = "magistrat"
    again["old"].force_value(account_id(module_app, "magistrat"))
    again["new"] = newcomer_id
    refusal = again.submit("submit", expect_errors=True)
    assert refusal.status_int == 400
    field = refusal.html.find(attrs={"name": "old", "aria-invalid": "true"})
    # no longer offered: it serves no running case of the court
    assert "Choisissez la personne remplacée." in refusal.html.find(id=field["aria-describedby"].split()[0]).text


def test_the_administrator_attaches_a_clerk_to_its_court(module_app):
    admin = logged_in(module_app, "admin")
    page = admin.get("/comptes/")
    form = next(f for f in page.forms.values() if f.action.endswith("/juridiction")
                and f'data-email="{demo_email("greffier")}"' in f.text)
    form["court_code"] = "tj-laval"
    answer = form.submit().follow()
    assert "rattaché à Tribunal judiciaire de Laval" in answer.text
    assert logged_in(module_app, "greffier").get("/juridictions/tj-laval/personnel").status_int == 200
    form = next(f for f in answer.forms.values() if f.action.endswith("/juridiction")
                and f'data-email="{demo_email("greffier")}"' in f.text)
    form["court_code"].force_value("tj-atlantide")
    assert "Juridiction inconnue" in form.submit().follow().html.find(class_="flash error").text
    no_court = next(f for f in answer.forms.values() if f.action.endswith("/juridiction")
                    and f'data-email="{demo_email("greffier")}"' in f.text)
    no_court["court_code"] = "tj-angers"
    no_court.submit().follow()
