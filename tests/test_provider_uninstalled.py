"""Uninstalling one provider distribution (here: not loading it, as
``opalexe.plugins.disabled`` does) removes its profile from the login page
and nothing else: the other profiles, their pages and the platform stay."""

import pytest

from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, running_app
from pytest_opalexe.web import test_settings as settings_for

PROVIDERS = {"auth_certeurope": ("certeurope", "/connexion/carte-expert"),
             "auth_justice": ("justice", "/connexion/carte-agent"),
             "auth_rpva": ("rpva", "/connexion/cle-avocat"),
             "auth_certificat_logiciel": ("certificat_logiciel", "/connexion/certificat-logiciel")}


@pytest.mark.parametrize("removed", sorted(PROVIDERS))
def test_without_one_provider_the_others_and_the_platform_still_work(tmp_path, card_authorities, removed):
    kept = [name for name in PROVIDERS if name != removed]
    settings = settings_for(file_storage_uri(tmp_path), plugins=("auth_demo", *kept), **card_authorities.settings())
    with running_app(settings) as app:
        client = browser_client(app)
        offered = {radio["value"] for radio in client.get("/connexion").html.select("input[name=profil]")}
        assert offered == {"demo", *(PROVIDERS[name][0] for name in kept)}
        gone = client.get(PROVIDERS[removed][1], expect_errors=True)
        assert f"/authentification/{PROVIDERS[removed][0]}" not in gone.text  # no page of its own any more
        for name in kept:
            assert client.get(PROVIDERS[name][1]).status_int == 200
        assert "Mes expertises" in demo_login(client, "expert").text
