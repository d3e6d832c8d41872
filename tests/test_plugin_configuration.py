"""A plugin contributes routes, views, static files and rights amendments
through its hooks, and the app serves them; its pages fill the core layout
and are translated by its own catalog."""

import re

import pytest
from pyramid.response import Response

from opalexe_core.api import PUBLIC, Right, RightAmendment, Role, hookimpl
from opalexe_core.plugins import make_plugin_manager
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, running_app
from pytest_opalexe.web import test_settings as settings_for

REFERENT_PAGE = """<metal:page use-macro="opalexe_layout"
  xmlns:tal="http://xml.zope.org/namespaces/tal" xmlns:metal="http://xml.zope.org/namespaces/metal"
  xmlns:i18n="http://xml.zope.org/namespaces/i18n" i18n:domain="opalexe_region">
<metal:title fill-slot="title"><tal:t i18n:translate="">Référent régional</tal:t></metal:title>
<metal:content fill-slot="content">
  <h1 i18n:translate="">Votre référent régional</h1>
  <p class="referent">${referent}</p>
</metal:content>
</metal:page>
"""


def write_catalog(locale_dir, domain, translations):
    """Compile an English catalog of ``domain`` the way a plugin ships one."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="en", domain=domain)
    for french, english in translations.items():
        catalog.add(french, english)
    target = locale_dir / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / f"{domain}.mo", "wb") as mo:
        write_mo(mo, catalog)


class RegionalPlugin:
    """What a regional plugin does: pages in the core layout with their own
    translations, static files, a rights change."""

    def __init__(self, plugin_dir):
        self.plugin_dir = plugin_dir

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("region_contacts", "/region/contacts")
        # Declared without a permission: for logged-in people only.
        config.add_view(lambda request: Response("Référent régional : M. Sylvestre"), route_name="region_contacts")
        config.add_route("region_referent", "/region/referent")
        config.add_view(
            lambda request: {"referent": "M. Sylvestre"},
            route_name="region_referent",
            renderer=str(self.plugin_dir / "templates" / "referent.pt"),
            permission=PUBLIC,
        )
        config.add_static_view("region-static", str(self.plugin_dir / "static"), permission=PUBLIC)
        config.add_translation_dirs(str(self.plugin_dir / "locale"))

    @hookimpl
    def opalexe_rights_matrix_amend(self, matrix):
        assert matrix.right("greffe_expert_parties", Role.MEDIATEUR) is Right.READ
        return [RightAmendment("greffe_expert_parties", Role.MEDIATEUR, Right.NONE)]


@pytest.fixture
def client(tmp_path):
    plugin_dir = tmp_path / "region"
    (plugin_dir / "static").mkdir(parents=True)
    (plugin_dir / "static" / "region.css").write_text("body { color: black; }")
    (plugin_dir / "templates").mkdir()
    (plugin_dir / "templates" / "referent.pt").write_text(REFERENT_PAGE)
    write_catalog(
        plugin_dir / "locale",
        "opalexe_region",
        {"Référent régional": "Regional referent", "Votre référent régional": "Your regional referent"},
    )
    settings = settings_for(file_storage_uri(tmp_path / "var"))
    with running_app(settings, plugins={"region": RegionalPlugin(plugin_dir)}) as app:
        yield browser_client(app)


def test_the_plugin_s_route_view_and_static_files_are_served(client):
    demo_login(client, "expert")
    assert client.get("/region/contacts").text == "Référent régional : M. Sylvestre"
    assert client.get("/region-static/region.css").text == "body { color: black; }"


def test_a_plugin_view_declared_without_a_permission_is_not_public(client):
    """Secure by default: the visitor is sent to the login page, and the
    public page of the same plugin, which says so, opens."""
    response = client.get("/region/contacts")
    assert response.status_int == 302 and response.location.endswith("/connexion")
    assert "M. Sylvestre" not in response.text
    assert client.get("/region/referent").status_int == 200


def test_the_plugin_s_page_fills_the_core_layout_in_french(client):
    page = client.get("/region/referent")
    assert '<a class="brand" href="http://localhost/">Opalexe</a>' in page.text
    assert "<title>Référent régional — Opalexe</title>" in page.text
    assert "<h1>Votre référent régional</h1>" in page.text
    assert '<p class="referent">M. Sylvestre</p>' in page.text


def test_the_plugin_s_catalog_translates_its_page_beside_the_core_s(client):
    page = client.get("/region/referent", {"_LOCALE_": "en"})
    assert "<title>Regional referent — Opalexe</title>" in page.text
    assert "<h1>Your regional referent</h1>" in page.text
    assert 'href="http://localhost/connexion">Log in</a>' in page.text  # the core's own catalog


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


def test_on_the_same_cell_the_plugin_registered_last_wins():
    from opalexe_core.rights import build_rights_matrix

    def amending(right):
        class Amends:
            @hookimpl
            def opalexe_rights_matrix_amend(self, matrix):
                assert matrix.right("convocations", Role.SAPITEUR) is Right.READ  # the core's matrix
                return [RightAmendment("convocations", Role.SAPITEUR, right)]

        return Amends()

    pm = make_plugin_manager()
    pm.register(amending(Right.NONE), name="first")
    pm.register(amending(Right.DEPOSIT), name="second")

    assert build_rights_matrix(pm).right("convocations", Role.SAPITEUR) is Right.DEPOSIT


class OwnRootPlugin:
    """A plugin whose route brings a root factory of its own."""

    class Context:
        __acl__ = [("Allow", "system.Everyone", "view")]

    @hookimpl
    def opalexe_config_include(self, config, settings):
        config.add_route("region_own_root", "/region/propre", factory=lambda request: self.Context())
        config.add_view(lambda request: {"referent": "M. Sylvestre"}, route_name="region_own_root",
                        renderer=str(self.page), permission="view")

    def __init__(self, page):
        self.page = page


def test_a_plugin_page_with_its_own_root_factory_still_fills_the_layout(tmp_path):
    page = tmp_path / "referent.pt"
    page.write_text(REFERENT_PAGE)
    settings = settings_for(file_storage_uri(tmp_path / "var"))
    with running_app(settings, plugins={"own-root": OwnRootPlugin(page)}) as app:
        visitor = browser_client(app)
        assert '<a class="brand" href="http://localhost/">Opalexe</a>' in visitor.get("/region/propre").text
        member = browser_client(app)
        demo_login(member, "expert")
        assert "Jean MARTIN" in member.get("/region/propre").text  # still logged in on that page
