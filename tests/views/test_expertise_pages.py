"""The pages that change a case: creating one (its name shown before
saving), and the case's own forms. Bad input gets a French message beside
its field (the field says it is invalid and is described by the message)
and changes nothing."""

import re

import pytest

from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, demo_login, platform_of

NEW = "/expertises/nouvelle"


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    from pytest_opalexe.web import close_app, file_storage_uri, make_app, test_settings

    application = make_app(test_settings(file_storage_uri(tmp_path_factory.mktemp("pages"))))
    yield application
    close_app(application)


@pytest.fixture(scope="module")
def expert(module_app):
    client = browser_client(module_app)
    demo_login(client, "expert")
    return client


def token(client) -> str:
    return client.get(NEW).forms["form"]["csrf_token"].value


def account_id(app, key) -> str:
    with platform_of(app) as platform:
        return platform.root.accounts.find_by_email(demo_email(key)).id


def case_count(app) -> int:
    with platform_of(app) as platform:
        return len(platform.root.expertises)


def error_beside(page, name) -> str:
    """The error message the field ``name`` is described by (it says it is
    invalid), or the error of the sequence ``name``."""
    html = page.html
    field = html.find(attrs={"name": name, "aria-invalid": "true"})
    if field is not None:
        ids = field["aria-describedby"].split()
        return " ".join(html.find(id=i).get_text(" ", strip=True) for i in ids if i.startswith("error-"))
    marker = html.find("input", attrs={"name": "__start__", "value": f"{name}:sequence"})
    if marker is not None:
        error = marker.find_parent("fieldset").find(class_="section-error")
        return error.get_text(" ", strip=True) if error is not None else ""
    marker = html.find("input", attrs={"name": "__start__", "value": f"{name}:rename"})  # a group of choices
    if marker is not None:
        group = marker.find_parent("fieldset")
        if group.find(attrs={"aria-invalid": "true"}) is not None:
            ids = group["aria-describedby"].split()
            return " ".join(html.find(id=i).get_text(" ", strip=True) for i in ids if i.startswith("error-"))
    return ""


def test_the_name_is_shown_before_the_case_is_created(module_app, expert, case_form):
    before = case_count(module_app)
    lawyer = account_id(module_app, "avocat1")
    fields = case_form(token(expert), rg="21/00007", exp="21/7",
                       demandeurs=[("Lambert", "physique", [lawyer])], defendeurs=[("SCI Les Saules", "morale", ())])

    preview = expert.post(NEW, fields)

    name = preview.html.find(class_="case-name").text
    assert name == "Lambert c/ SCI Les Saules – TJ Angers – RG 21/00007"
    assert case_count(module_app) == before
    assert preview.html.find("button", attrs={"name": "creer"}).text.strip() == "Créer l'expertise"

    created = expert.post(NEW, case_form(token(expert), rg="21/00007", exp="21/7",
                                         demandeurs=[("Lambert", "physique", [lawyer])],
                                         defendeurs=[("SCI Les Saules", "morale", ())],
                                         preview_name=name, button="creer")).follow()
    assert created.html.h1.text == name
    assert "Expertise créée" in created.text and case_count(module_app) == before + 1
    lawyer_row = created.html.find("tr", attrs={"data-account": lawyer})
    assert "Avocat" in lawyer_row.text and "Lambert" in lawyer_row.text


def test_a_name_changed_since_it_was_shown_is_shown_again_before_anything_is_created(module_app, expert, case_form):
    before = case_count(module_app)
    page = expert.post(NEW, case_form(token(expert), rg="21/00008", exp="21/8",
                                      preview_name="Ancien nom affiché", button="creer"))
    assert page.status_int == 200 and case_count(module_app) == before
    assert "Les informations ont changé" in page.text
    assert page.html.find(class_="case-name").text.endswith("RG 21/00008")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"demandeurs": ()}, "demandeurs", "Indiquez le premier demandeur"),
    ({"demandeurs": (("  ", "physique", ()),)}, "name", "Ce champ est obligatoire."),
    ({"demandeurs": (("D" * 201, "physique", ()),)}, "name", "200 caractères au plus."),
    ({"defendeurs": ()}, "defendeurs", "Indiquez le premier défendeur"),
    ({"rg": "18-"}, "rg", "Le n° RG « 18- » n'est pas valide"),
    ({"rg": ""}, "rg", "Ce champ est obligatoire."),
    ({"exp": "EXP 2021"}, "exp", "Le n° EXP « EXP 2021 » n'est pas valide"),
    ({"exp": "18/00001", "rg": "18/00099"}, "exp", "déjà celui d'une autre expertise"),  # the demo case's
    ({"court": "tj-atlantide"}, "jurisdiction_code", "Juridiction inconnue."),
    ({"magistrate": "0123456789abcdef"}, "magistrate", "Magistrat inconnu."),
    ({"demandeurs": (("Dupont", "physique", ["0123456789abcdef"]),)}, "lawyer", "Avocat inconnu"),
    ({"demandeurs": (("Dupont", "animal", ()),)}, "kind", "Nature inconnue."),
    ({"order_date": "hier"}, "date", "Date invalide"),
    ({"amount": "beaucoup"}, "consignation_amount", "Indiquez un montant en euros"),
    ({"report_due": "2020-01-01"}, "date", "précède la date de l'ordonnance"),
])
def test_bad_input_is_refused_beside_its_field_and_creates_nothing(module_app, expert, case_form, overrides, field,
                                                                   message):
    before = case_count(module_app)
    for button in ("apercu", "creer"):
        page = expert.post(NEW, case_form(token(expert), button=button, **overrides), expect_errors=True)
        assert page.status_int == 400
        assert message in error_beside(page, field), page.html.find(class_="form-errors")
        assert page.html.find(class_="form-errors").get_text(strip=True).startswith("Le formulaire n'a pas")
        assert page.html.find(class_="case-name") is None
    assert case_count(module_app) == before


def test_only_an_expert_opens_the_creation_form(module_app):
    for key in ("avocat1", "greffier", "admin"):
        client = browser_client(module_app)
        demo_login(client, key)
        assert client.get(NEW, expect_errors=True).status_int == 403


# -- the case's forms -------------------------------------------------------------------


@pytest.fixture(scope="module")
def laval(module_app, expert):
    """The demo case at the TJ Laval (créée), as its expert sees it; a lawyer
    who takes part in no case yet is in the accounts directory."""
    from opalexe_core.services.accounts import create_account
    from opalexe_core.services.platform import Actor

    with platform_of(module_app) as platform:
        create_account(platform, Actor.platform(), first_name="Inès", last_name="Caron",
                       email="ines.caron@example.test", profile="avocat")
        platform.transaction.commit()
    home = expert.get("/", params={"q": "Lefèvre"})
    return re.search(r'href="http://localhost(/expertises/[0-9a-f]+/)"', home.text).group(1)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"role": "juge"}, "role", "Rôle inconnu."),
    ({"role": "avocat", "party_id": "0bad0bad"}, "party_id", "Partie inconnue."),
    ({"role": "avocat", "party_id": ""}, "party_id", "doit être rattaché à une partie"),
    ({"role": "magistrat"}, "role", "ne lui permet pas ce rôle"),
    ({"role": "intervenant", "capacity": "cousin"}, "capacity", "Qualité inconnue."),
    ({"account_id": "0123456789abcdef", "role": "co_expert"}, "account_id", "Compte inconnu."),
])
def test_a_forged_role_or_party_is_refused_beside_its_field(module_app, expert, laval, values, field, message):
    form = expert.get(laval).forms["participant-form"]
    offered = next(value for value, _selected, _text in form["account_id"].options if value)
    form["account_id"].force_value(offered)
    for name, value in values.items():
        form[name].force_value(value)

    answer = form.submit("submit", expect_errors=True)

    assert answer.status_int == 400
    assert message in error_beside(answer, field)
    with platform_of(module_app) as platform:
        participants = platform.root.expertises[laval.split("/")[2]].participants
        assert offered not in participants and values.get("account_id") not in participants


def test_an_expert_adds_a_party_and_flags_it_for_paper_service_from_the_page(module_app, expert, laval):
    page = expert.get(laval)
    form = page.forms["party-form"]
    form["name"] = "Mutuelle du Maine"
    form["side"] = "intervenant"
    answer = form.submit("submit").follow()
    assert "Partie ajoutée : Mutuelle du Maine" in answer.text
    assert answer.html.find("ul", class_="folders").find("a", string="Mutuelle du Maine") is not None
    row = answer.html.find("td", string="Mutuelle du Maine").find_parent("tr")
    flag = next(f for f in answer.forms.values() if f.action.endswith("/signalement")
                and f["party_id"].value == row["data-party"])
    flag["reason"] = "absente"
    flagged = flag.submit().follow()
    assert "Mutuelle du Maine est signalée" in flagged.text
    assert "Mutuelle du Maine" in flagged.html.find(class_="alert paper").text


def test_a_post_of_another_case_s_party_changes_nothing(module_app, expert, laval):
    page = expert.get(laval)
    with platform_of(module_app) as platform:
        other = next(case for case in platform.root.expertises.values() if "Tilleuls" in case.name)
        foreign_party = other.parties[0].id
    answer = expert.post(laval + "signalement", {"csrf_token": page.forms["party-form"]["csrf_token"].value,
                                                 "party_id": foreign_party, "reason": "refus"}).follow()
    assert "Cette partie n'est pas une partie de l'expertise." in answer.html.find(class_="flash error").text
    with platform_of(module_app) as platform:
        assert platform.root.expertises[laval.split("/")[2]].party(foreign_party) is None
        other = next(case for case in platform.root.expertises.values() if "Tilleuls" in case.name)
        assert other.party(foreign_party).paper_reason is None
