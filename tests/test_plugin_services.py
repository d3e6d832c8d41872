"""What the api lends a plugin (PluginServices): its storage area in the
request's transaction or in one of its own, mail, links, account facts; the
event hooks receive it as ``services``."""

import pytest
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response

from opalexe_core import api
from opalexe_core.api import PUBLIC, AccountCreated, PluginServices, ServicesUnavailable, hookimpl
from opalexe_core.services.accounts import create_account
from opalexe_core.services.demo import demo_email
from opalexe_core.services.platform import Actor
from pytest_opalexe.web import browser_client, file_storage_uri, platform_of, running_app, test_settings


class Counter:
    """A plugin keeping counts: one in the request's transaction, one in a
    transaction of its own, and the events it was handed with its services."""

    def __init__(self):
        self.events = []

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("count", "/compter/{outcome}")
        config.add_view(self.count, route_name="count", permission=PUBLIC)

    def count(self, request):
        services = api.plugin_services(request)
        area = services.area("counter")
        area.tree("in_request")["n"] = area.tree("in_request").get("n", 0) + 1
        if request.matchdict["outcome"] == "refus":
            # what a refused request must keep (a failure counted), in a transaction of its own
            services.change("counter", lambda a: a.tree("kept").__setitem__("n", a.tree("kept").get("n", 0) + 1))
            return HTTPBadRequest()  # a refused request commits nothing of its own transaction
        account = services.find_account(demo_email("expert"))
        return Response(f"{account.display_name} {services.url('a', 'b c', query={'x': 1})}")

    @hookimpl
    def opalexe_event_committed(self, event, services):
        self.events.append((event, services))


@pytest.fixture
def counter():
    return Counter()


@pytest.fixture
def app(tmp_path, counter):
    with running_app(test_settings(file_storage_uri(tmp_path)), plugins={"counter": counter}) as application:
        yield application


def counts(app):
    with platform_of(app) as platform:
        area = platform.root.plugin_areas.area("counter")
        return area.tree("in_request").get("n", 0), area.tree("kept").get("n", 0)


def test_the_request_s_area_follows_the_request_and_change_commits_at_once(app):
    client = browser_client(app)
    answer = client.get("/compter/ok")
    assert answer.text == "Jean MARTIN http://localhost/a/b%20c?x=1"
    assert counts(app) == (1, 0)
    client.get("/compter/refus", status=400)
    assert counts(app) == (1, 1)


def test_event_hooks_receive_services_outside_any_request(app, counter):
    with platform_of(app) as platform:
        create_account(platform, Actor.platform(), first_name="Inès", last_name="Vidal", email="ines@example.test",
                       profile="intervenant")
        platform.transaction.commit()
    [(event, services)] = [(e, s) for e, s in counter.events if isinstance(e, AccountCreated)]
    assert isinstance(services, PluginServices) and services.request is None
    assert services.url("connexion") == "http://localhost/connexion"  # no public URL set: the fallback
    assert services.platform_name == "Opalexe"
    assert services.change("counter", lambda area: area.name) == "counter"
    with pytest.raises(ServicesUnavailable):
        services.area("counter")
    with pytest.raises(ServicesUnavailable):
        services.find_account("ines@example.test")


def test_change_runs_again_after_a_write_conflict(app):
    services = PluginServices.for_registry(app.registry)
    calls = []

    def bump(area):
        calls.append(1)
        tree = area.tree("conflict")
        value = tree.get("n", 0)
        if len(calls) == 1:  # another process writes the same record meanwhile
            services.change("counter", lambda other: other.tree("conflict").__setitem__("n", 100))
        tree["n"] = value + 1
        return tree["n"]

    services.change("counter", lambda area: area.tree("conflict").__setitem__("n", 0))
    assert services.change("counter", bump) == 101 and len(calls) == 2


def test_names_are_checked(app):
    services = PluginServices.for_registry(app.registry)
    for name in ("", "Counter", "../x", "a" * 81):
        with pytest.raises(ValueError):
            services.change(name, lambda area: None)


def test_the_public_url_starts_every_link(tmp_path, counter):
    settings = test_settings(file_storage_uri(tmp_path), **{"opalexe.public_url": "https://opalexe.example.org/x"})
    with running_app(settings, plugins={"counter": counter}) as app:
        services = PluginServices.for_registry(app.registry)
        assert services.url("connexion", "courriel") == "https://opalexe.example.org/x/connexion/courriel"


class Mailing:
    """A plugin page mailing after commit, or refusing after asking to mail."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("mail", "/courriel/{outcome}")
        config.add_view(self.mail, route_name="mail", permission=PUBLIC)

    def mail(self, request):
        from pyramid_mailer.message import Message

        services = api.plugin_services(request)
        services.send_after_commit(Message(subject="Code", recipients=["a@example.test"], body="123456"))
        services.area("mailing").tree("sent")["n"] = 1
        return HTTPBadRequest() if request.matchdict["outcome"] == "refus" else Response("ok")


def test_mail_goes_after_the_commit_and_never_for_a_refused_request(tmp_path, mail_sink, caplog):
    settings = test_settings(file_storage_uri(tmp_path), **{"mail.host": mail_sink.host,
                                                            "mail.port": str(mail_sink.port),
                                                            "mail.default_sender": "opalexe@example.test"})
    with running_app(settings, plugins={"mailing": Mailing()}) as app:
        client = browser_client(app)
        client.get("/courriel/refus", status=400)
        client.get("/courriel/ok")
        [sent] = mail_sink.wait_for(1)
        assert sent["Subject"] == "Code" and len(mail_sink.messages) == 1
        mail_sink.stop()  # the SMTP server is down: the committed change stays, the failure is logged
        assert client.get("/courriel/ok").text == "ok"
        assert "not sent after commit" in caplog.text
