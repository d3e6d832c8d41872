"""A plugin contributes routes, views, static files and rights amendments
through its hooks, and the app serves them."""

import re

import pytest
from pyramid.response import Response

from opalexe_core import hookimpl
from opalexe_core.contract import Right, RightAmendment, Role
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.testing.web import browser_client, close_app, demo_login, file_storage_uri, init_platform
from opalexe_core.testing.web import test_settings as settings_for


class RegionalPlugin:
    """What a regional plugin does: a page, its static files, a rights change."""

    def __init__(self, static_dir):
        self.static_dir = static_dir

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("region_contacts", "/region/contacts")
        config.add_view(lambda request: Response("Référent régional : M. Sylvestre"), route_name="region_contacts")
        config.add_static_view("region-static", str(self.static_dir))

    @hookimpl
    def opalexe_rights_matrix_amend(self, matrix):
        assert matrix.right("greffe_expert_parties", Role.MEDIATEUR) is Right.READ
        return [RightAmendment("greffe_expert_parties", Role.MEDIATEUR, Right.NONE)]


@pytest.fixture
def client(tmp_path):
    from opalexe_core.app import make_app

    static = tmp_path / "static"
    static.mkdir()
    (static / "region.css").write_text("body { color: black; }")
    settings = settings_for(file_storage_uri(tmp_path / "var"))
    init_platform(settings["zodbconn.uri"])
    pm = make_plugin_manager()
    pm.register(RegionalPlugin(static), name="region")
    app = make_app(settings, pm=pm)
    yield browser_client(app)
    close_app(app)


def test_the_plugin_s_route_view_and_static_files_are_served(client):
    assert client.get("/region/contacts").text == "Référent régional : M. Sylvestre"
    assert client.get("/region-static/region.css").text == "body { color: black; }"


def test_the_plugin_s_rights_amendment_is_enforced(client):
    home = demo_login(client, "mediateur")
    case = re.search(r'href="http://localhost(/expertises/[0-9a-f]+/)"', home.text).group(1)
    assert client.get(f"{case}dossiers/02-greffe-expert-parties/", expect_errors=True).status_int == 403
    assert client.get(f"{case}dossiers/01-expert-greffe-parties/").status_int == 200


def test_an_amendment_that_is_not_a_right_amendment_is_refused():
    class Broken:
        @hookimpl
        def opalexe_rights_matrix_amend(self, matrix):
            return [("greffe_expert_parties", "mediateur", "none")]

    from opalexe_core.rights import build_rights_matrix

    pm = make_plugin_manager()
    pm.register(Broken(), name="broken")
    with pytest.raises(TypeError, match="RightAmendment"):
        build_rights_matrix(pm)
