"""Every access and action leaves exactly one entry, with the right actor,
address and outcome; refused ones included; a rolled-back change leaves
none of its own."""

import re

import pytest
from pyramid.view import view_config

from opalexe_core.api import hookimpl
from opalexe_core.services.demo import demo_email
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, running_app, test_settings

from .helpers import Recorder


@pytest.fixture
def recorder(app):
    return Recorder(app)


def one(entries):
    assert len(entries) == 1, entries
    return entries[0]


def case_url(client):
    home = client.get("/")
    return next(link for link in re.findall(r'href="([^"]+/expertises/[0-9a-f]+/)"', home.text))


def test_a_page_read_is_journaled_once_with_the_reader(testapp, recorder):
    demo_login(testapp, "expert")
    url = case_url(testapp)
    recorder.new()
    testapp.get(url)
    entry = one(recorder.new())
    assert entry["action"] == "page.viewed" and entry["outcome"] == "allowed" and entry["reason"] == ""
    assert entry["email"] == demo_email("expert") and entry["name"] == "Jean MARTIN"
    assert entry["method"] == "demo" and entry["ip"] == "127.0.0.1"
    assert entry["path"] == url.replace("http://localhost", "") and entry["expertise"] in url
    assert entry["details"]["method"] == "GET" and entry["details"]["status"] == 200


def test_static_files_are_not_journaled(testapp, recorder):
    testapp.get("/static/opalexe.css")
    assert recorder.new() == []


def test_a_forbidden_page_is_journaled_as_refused(testapp, recorder):
    demo_login(testapp, "expert")
    recorder.new()
    testapp.get("/comptes/", status=403)
    entry = one(recorder.new())
    assert entry["outcome"] == "refused" and "admin" in entry["reason"] and entry["email"] == demo_email("expert")


def test_a_visitor_sent_to_the_login_page_is_journaled_as_refused(testapp, recorder):
    testapp.get("/comptes/", status=302)
    entry = one(recorder.new())
    assert entry["outcome"] == "refused" and entry["method"] == "anonymous" and entry["account"] is None


def test_a_login_is_one_entry_with_the_new_account(testapp, recorder):
    demo_login(testapp, "avocat1")
    entries = recorder.new()
    logins = [e for e in entries if e["action"] == "login.opened"]
    assert len(logins) == 1 and logins[0]["email"] == demo_email("avocat1") and logins[0]["ip"] == "127.0.0.1"
    # the POST of the login journaled its event only, not a second entry
    assert not [e for e in entries if e["path"].startswith("/authentification/")]


def test_a_failed_login_is_journaled_with_its_reason_and_never_a_password(testapp, recorder):
    page = testapp.get("/connexion/demo")
    token = page.forms[next(iter(page.forms))]["csrf_token"].value
    recorder.new()
    testapp.post("/authentification/nobody", {"csrf_token": token, "email": "x@example.org",
                                              "password": "s3cret-password"}, status=302)
    entry = one(recorder.new())
    assert entry["action"] == "login.attempted" and entry["outcome"] == "refused"
    assert "proposé" in entry["reason"]
    assert entry["details"]["provider"] == "nobody" and entry["details"]["email"] == "x@example.org"
    assert "s3cret-password" not in repr(entry)


def test_a_change_is_one_entry_of_its_event(testapp, recorder):
    demo_login(testapp, "admin")
    page = testapp.get("/comptes/")
    form = page.forms["form"]
    form["first_name"], form["last_name"], form["email"], form["profile"] = "Anne", "Lebrun", "anne@example.org", \
        "intervenant"
    recorder.new()
    form.submit("submit").follow()
    entries = recorder.new()
    created = [e for e in entries if e["action"] == "account.created"]
    assert len(created) == 1 and created[0]["email"] == demo_email("admin")
    assert created[0]["details"]["email"] == "anne@example.org"
    assert [e["action"] for e in entries] == ["account.created", "page.viewed"]  # then the redirect's page


def test_a_bad_form_is_journaled_as_refused_and_changes_nothing(testapp, recorder):
    demo_login(testapp, "admin")
    form = testapp.get("/comptes/").forms["form"]
    form["email"] = "not-an-address"
    recorder.new()
    form.submit("submit", status=400)
    entry = one(recorder.new())
    assert entry["action"] == "form.submitted" and entry["outcome"] == "refused"


def test_a_service_refusal_is_journaled_with_the_service_s_reason(testapp, recorder):
    demo_login(testapp, "admin")
    page = testapp.get("/comptes/")
    form = next(f for f in page.forms.values() if f.action.endswith("desactiver") and demo_email("expert") in f.text)
    token = form["csrf_token"].value
    recorder.new()
    # enabling an active account: the service refuses
    testapp.post(form.action.replace("desactiver", "reactiver"), {"csrf_token": token}, status=302)
    entry = one(recorder.new())
    assert entry["outcome"] == "refused" and "est actif" in entry["reason"]
    assert entry["action"] == "form.submitted" and entry["email"] == demo_email("admin")


class Rollback:
    """A page of the test's own that changes something through a service,
    then dooms its transaction: the change's entry goes with it."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("rollback", "/essai-annulation")
        config.scan(__name__)


@view_config(route_name="rollback", request_method="POST", require_csrf=False)
def rollback_view(request):
    from opalexe_core.services.accounts import create_account

    create_account(request.opalexe_platform, request.opalexe_actor, first_name="Zoé", last_name="Annulée",
                   email="zoe@example.org", profile="intervenant")
    request.tm.doom()
    return request.response


def test_a_rolled_back_change_leaves_a_refusal_and_not_its_event(tmp_path):
    with running_app(test_settings(file_storage_uri(tmp_path)), plugins={"rollback": Rollback()}) as app:
        client = browser_client(app)
        demo_login(client, "admin")
        recorder = Recorder(app)
        client.post("/essai-annulation")
        entry = one(recorder.new())
        assert entry["action"] == "form.submitted" and entry["outcome"] == "refused"
        assert entry["email"] == demo_email("admin")


def test_the_address_comes_from_the_proxy_only(tmp_path):
    """The proxy's path (here its secret) makes X-Forwarded-For believed; the
    same header sent directly is refused, and journaled with the peer's
    address, never the forged one."""
    settings = test_settings(file_storage_uri(tmp_path), **{"opalexe.proxy.secret": "s" * 40})
    with running_app(settings) as app:
        recorder = Recorder(app)
        client = browser_client(app)
        client.get("/", headers={"X-Forwarded-For": "198.51.100.7", "X-Opalexe-Proxy-Secret": "s" * 40},
                   extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        entry = one(recorder.new())
        assert entry["ip"] == "198.51.100.7" and entry["outcome"] == "allowed"
        client.get("/", headers={"X-Forwarded-For": "198.51.100.7"}, extra_environ={"REMOTE_ADDR": "203.0.113.9"},
                   status=400)
        entry = one(recorder.new())
        assert entry["ip"] == "203.0.113.9" and entry["outcome"] == "refused"
        assert entry["action"] == "request.refused" and entry["account"] is None
        client.get("/", extra_environ={"REMOTE_ADDR": "203.0.113.9"})
        assert one(recorder.new())["ip"] == "203.0.113.9"


def test_an_undecodable_address_is_journaled_as_refused(testapp, recorder):
    testapp.get("/%ff", status=400)
    entry = one(recorder.new())
    assert entry["outcome"] == "refused" and entry["path"] == "/\ufffd"


def test_the_journal_is_a_database_of_its_own_that_a_pack_of_the_content_leaves_alone(app, testapp, recorder):
    from .helpers import accepted, journal_db

    demo_login(testapp, "expert")
    before = accepted(app)
    content = app.registry._zodb_databases[""]
    assert journal_db(app).storage is not content.storage
    assert journal_db(app).storage.getName() != content.storage.getName()
    content.pack()
    assert accepted(app) == before and len(before) >= 2
