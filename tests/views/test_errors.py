"""Error answers: in French, with the platform's layout, and nothing written."""
import pytest
from pyramid.response import Response

from opalexe_core.api import PUBLIC, hookimpl
from pytest_opalexe.web import browser_client, file_storage_uri, running_app, test_settings


def test_an_undecodable_url_is_a_clear_400_not_a_crash(testapp):
    for path in ("/%FF", "/expertises/%FF/", "/connexion/%C3%28"):
        response = testapp.get(path, expect_errors=True)
        assert response.status_int == 400, path
        assert "Adresse illisible" in response.text
        assert '<a class="brand"' in response.text  # the usual layout, with its way home


class RenamesThenRefuses:
    """A view that changes the database and then answers an error without
    raising: what a buggy plugin view could do."""

    @hookimpl
    def opalexe_config_include(self, config, settings):
        def rename_then_refuse(request):
            request.root.settings.platform_name = "Écrit par erreur"
            return Response("refusé", status=400)

        config.add_route("test_rename", "/test/renommer")
        config.add_view(rename_then_refuse, route_name="test_rename", permission=PUBLIC)


def test_an_error_answer_commits_nothing(tmp_path):
    plugins = {"renames-then-refuses": RenamesThenRefuses()}
    with running_app(test_settings(file_storage_uri(tmp_path)), plugins=plugins) as app:
        client = browser_client(app)
        assert client.get("/test/renommer", expect_errors=True).status_int == 400
        assert '<a class="brand" href="http://localhost/">Opalexe</a>' in client.get("/").text


@pytest.mark.parametrize("path", ["/connexion/inconnu", "/parametres/x", "/juridictions/tj-angers/x/y"])
def test_a_page_followed_by_a_path_it_does_not_read_is_not_found(tmp_path, path):
    with running_app(test_settings(file_storage_uri(tmp_path))) as app:
        answer = browser_client(app).get(path, expect_errors=True)
        assert answer.status_int == 404 and "Page introuvable" in answer.text
