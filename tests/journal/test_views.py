"""The journal's pages: an expertise's for its expert, co-experts and
magistrate, with its filters; all of it for the administrator, who may
have a head signed now."""

import re
from datetime import date, timedelta

import pytest

from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, platform_of, running_app, test_settings

from .helpers import Recorder, seal, token_settings


@pytest.fixture
def app(tmp_path):
    with running_app(test_settings(file_storage_uri(tmp_path))) as application:
        yield application


def case_url(client):
    return next(u for u in re.findall(r'href="([^"]+/expertises/[0-9a-f]+/)"', client.get("/").text))


def rows(page) -> list[str]:
    return re.findall(r"<tr(?: class=\"refused\")?>\s*<td>(\d+)</td>", page.text)


def test_the_expert_reads_and_filters_the_case_s_journal(app):
    expert, magistrate = browser_client(app), browser_client(app)
    demo_login(expert, "expert")
    demo_login(magistrate, "magistrat")
    url = case_url(expert)
    expert.get(url)
    magistrate.get(url)
    seal(app)
    case = expert.get(url)
    assert "Journal de l'expertise" in case.text
    page = expert.get(url + "journal")
    assert len(rows(page)) == 2 and "Jean MARTIN" in page.text and "Hélène DURAND" in page.text
    assert "127.0.0.1" in page.text and "Consultation" in page.text

    with platform_of(app) as platform:
        magistrate_id = platform.root.accounts.find_by_email(demo_email("magistrat")).id
    only = expert.get(url + "journal", {"filtrer": "1", "account": magistrate_id, "action": "", "since": "",
                                        "until": ""})
    assert len(rows(only)) == 1 and "Hélène DURAND" in only.text.split("<tbody>")[1]
    future = (date.today() + timedelta(days=2)).isoformat()
    none = expert.get(url + "journal", {"filtrer": "1", "account": "", "action": "", "since": future, "until": ""})
    assert rows(none) == [] and "Aucune entrée ne correspond." in none.text
    logins = expert.get(url + "journal", {"filtrer": "1", "account": "", "action": "login.opened", "since": "",
                                          "until": ""})
    assert rows(logins) == []  # logins concern accounts, not the case


def test_bad_filters_are_refused_in_french(app):
    client = browser_client(app)
    demo_login(client, "expert")
    url = case_url(client)
    recorder = Recorder(app)
    page = client.get(url + "journal", {"filtrer": "1", "account": "", "action": "", "since": "2026-05-02",
                                        "until": "2026-05-01"}, status=400)
    assert "La date de début doit précéder la date de fin." in page.text
    assert [e["outcome"] for e in recorder.new()] == ["refused"]
    assert "Action inconnue." in client.get(url + "journal", {"filtrer": "1", "action": "x"}, status=400).text
    assert "Participant inconnu." in client.get(url + "journal", {"filtrer": "1", "account": "x"}, status=400).text
    client.get(url + "journal", {"filtrer": "1", "since": "pas une date"}, status=400)


@pytest.mark.parametrize(("who", "status"), [("magistrat", 200), ("coexpert", 200), ("avocat1", 403),
                                             ("greffier", 403), ("admin", 403)])
def test_who_reads_a_case_s_journal(app, who, status):
    expert = browser_client(app)
    demo_login(expert, "expert")
    url = case_url(expert)
    client = browser_client(app)
    demo_login(client, who)
    client.get(url + "journal", status=status)


def test_the_administrator_reads_everything_and_filters_by_address(app):
    admin = browser_client(app)
    demo_login(admin, "admin")
    expert = browser_client(app)
    demo_login(expert, "expert")
    expert.get("/journal", status=403)
    seal(app)
    page = admin.get("/journal")
    assert "Journal de la plateforme" in page.text and "Jean MARTIN" in page.text
    assert 'href="http://localhost/journal"' in page.text  # in the menu
    mine = admin.get("/journal", {"filtrer": "1", "account": demo_email("expert"), "action": "", "since": "",
                                  "until": "", "expertise": ""})
    body = mine.text.split("<tbody>")[1]
    assert "Jean MARTIN" in body and "Alice ADMIN" not in body
    nobody = admin.get("/journal", {"filtrer": "1", "account": "personne@example.org", "action": "", "since": "",
                                    "until": "", "expertise": ""})
    assert rows(nobody) == []


def test_signing_now_needs_a_key(app):
    admin = browser_client(app)
    demo_login(admin, "admin")
    form = admin.get("/journal").forms["form"]
    recorder = Recorder(app)
    page = form.submit("submit").follow()
    assert "Aucune clé de signature n'est configurée" in page.text
    assert [e["outcome"] for e in recorder.new()][0] == "refused"


def test_the_administrator_signs_a_head_now(tmp_path, softhsm_token):
    with running_app(test_settings(file_storage_uri(tmp_path), **token_settings(softhsm_token))) as app:
        app.registry.opalexe_journal.signer.ensure_key()
        admin = browser_client(app)
        demo_login(admin, "admin")
        recorder = Recorder(app)
        page = admin.get("/journal").forms["form"].submit("submit").follow()
        assert re.search(r"Tête n° 1 signée : elle couvre les \d+ premières entrées\.", page.text)
        signed = [e for e in recorder.new() if e["action"] == "journal.head_signed"]
        assert len(signed) == 1 and signed[0]["email"] == demo_email("admin")
        assert signed[0]["details"]["number"] == 1
        expert = browser_client(app)
        demo_login(expert, "expert")
        expert.post("/journal", {"csrf_token": "x"}, status=403)  # not the administrator
