"""The invitation page of a case, and the landing after a login: the case a
participant was invited to, and for several cases « Accéder à l'expertise »
and « Accéder aux expertises »."""

import pytest

from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, platform_of, running_app, test_settings


@pytest.fixture
def app(tmp_path):
    with running_app(test_settings(file_storage_uri(tmp_path))) as application:
        yield application


def case_id(app, court="tj-angers"):
    with platform_of(app) as platform:
        return next(e.id for e in platform.root.expertises.values() if e.jurisdiction_code == court)


def invite(client, app, email, court="tj-angers", role="sapiteur", party=None, status=302):
    form = client.get(f"/expertises/{case_id(app, court)}/inviter").forms["form"]
    form["email"], form["first_name"], form["last_name"], form["role"] = email, "Léa", "Morin", role
    if party is not None:
        form["party_id"] = form["party_id"].options[party + 1][0]
    return form.submit("submit", status=status)


def log_in_as(client, email):
    """Through the demo login's core address, for an account the demo page
    lists (any active account)."""
    token = client.get("/connexion/demo").forms[0]["csrf_token"].value
    return client.post("/authentification/demo", {"csrf_token": token, "email": email})


def test_the_expert_invites_from_the_case_page(app):
    expert = browser_client(app)
    demo_login(expert, "expert")
    case_page = expert.get(f"/expertises/{case_id(app)}")
    link = case_page.html.find("a", string="Inviter un participant")
    done = expert.get(link["href"])
    assert done.html.h1.text == "Inviter un participant"
    answer = invite(expert, app, "lea.morin@example.test", party=0).follow()
    assert "lea.morin@example.test est invité(e) à l'expertise" in answer.text
    row = next(tr for tr in answer.html.select("table.participants tbody tr") if "Léa MORIN" in tr.text)
    assert "Sapiteur" in row.text


def test_bad_input_is_refused_beside_its_field_and_changes_nothing(app):
    expert = browser_client(app)
    demo_login(expert, "expert")
    bad = invite(expert, app, "pas-une-adresse", status=400)
    assert "Adresse électronique invalide." in bad.text
    no_party = invite(expert, app, "lea@example.test", role="intervenant", status=400)
    error = no_party.html.select_one(".error-msg, .help-block.error, .alert-danger")
    assert "rattaché à une partie" in no_party.text and error is not None
    with platform_of(app) as platform:
        assert platform.root.accounts.find_by_email("lea@example.test") is None


def test_nobody_but_the_case_managers_invites(app):
    lawyer = browser_client(app)
    demo_login(lawyer, "avocat1")
    lawyer.get(f"/expertises/{case_id(app)}/inviter", status=403)
    assert lawyer.get(f"/expertises/{case_id(app)}").html.find("a", string="Inviter un participant") is None


def test_an_invited_participant_lands_in_its_case_and_with_several_gets_the_two_tabs(app):
    expert = browser_client(app)
    demo_login(expert, "expert")
    invite(expert, app, "lea@example.test")
    person = browser_client(app)
    landed = log_in_as(person, "lea@example.test")
    assert landed.location.endswith(f"/expertises/{case_id(app)}/")
    assert person.get("/").html.select_one("nav.invitation-tabs") is None  # one case: no tabs

    invite(expert, app, "lea@example.test", court="tj-laval")
    again = browser_client(app)
    assert log_in_as(again, "lea@example.test").location.endswith(f"/expertises/{case_id(app, 'tj-laval')}/")
    tabs = again.get("/").html.select_one("nav.invitation-tabs")
    links = {a.text: a["href"] for a in tabs.select("a")}
    assert links["Accéder à l'expertise"].endswith(f"/expertises/{case_id(app, 'tj-laval')}/")
    assert links["Accéder aux expertises"].endswith("/#mes-expertises")


def test_a_participant_never_invited_lands_on_its_dashboard(app):
    client = browser_client(app)
    assert log_in_as(client, demo_email("avocat1")).location == "http://localhost/"
