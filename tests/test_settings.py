"""Settings are checked once at start-up; production refuses unsafe ones."""

import pytest
from pyramid.paster import get_appsettings

from opalexe_core.settings import Settings, SettingsError
from pytest_opalexe.checkout import checkout_root

REPO_ROOT = checkout_root()


def test_development_ini_enables_the_demo_login_on_file_storage():
    raw = get_appsettings(str(REPO_ROOT / "development.ini"))
    settings = Settings.from_ini(raw)
    assert settings.dev_login and settings.environment == "development"
    assert raw["zodbconn.uri"].startswith(f"file://{REPO_ROOT}/var/Data.fs")


def test_production_ini_disables_the_demo_login_and_uses_relstorage(monkeypatch):
    monkeypatch.setenv("OPALEXE_SESSION_SECRET", "s" * 40)
    raw = get_appsettings(str(REPO_ROOT / "production.ini"), options={"http_port": "6544"})
    settings = Settings.from_ini(raw)
    assert settings.environment == "production"
    assert settings.dev_login is False
    assert settings.secure_cookies is True
    assert settings.session_secret == "s" * 40
    assert raw["zodbconn.uri"] == f"zconfig://{REPO_ROOT}/etc/relstorage.conf#main"


def test_production_refuses_the_demo_login():
    with pytest.raises(SettingsError, match="dev_login"):
        Settings.from_ini({"opalexe.environment": "production", "opalexe.dev_login": "true",
                           "opalexe.session_secret": "s" * 40})


def test_production_refuses_a_short_or_missing_session_secret(monkeypatch):
    monkeypatch.delenv("OPALEXE_SESSION_SECRET", raising=False)
    with pytest.raises(SettingsError, match="session_secret"):
        Settings.from_ini({"opalexe.environment": "production"})


def test_an_unknown_environment_is_refused():
    with pytest.raises(SettingsError, match="environment"):
        Settings.from_ini({"opalexe.environment": "staging"})


def test_a_missing_environment_is_refused_rather_than_taken_for_development():
    with pytest.raises(SettingsError, match="opalexe.environment must be development, production or test, not ''"):
        Settings.from_ini({"opalexe.dev_login": "true"})


PRODUCTION = {"opalexe.environment": "production", "opalexe.session_secret": "s" * 40}


def test_production_refuses_plain_cookies():
    with pytest.raises(SettingsError, match="secure_cookies cannot be false in production"):
        Settings.from_ini({**PRODUCTION, "opalexe.secure_cookies": "false"})


@pytest.mark.parametrize("everyone", ["0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/7"])
def test_production_refuses_to_trust_a_network_wider_than_a_private_one(everyone):
    with pytest.raises(SettingsError, match="wider than any private network"):
        Settings.from_ini({**PRODUCTION, "opalexe.trusted_proxies": f"127.0.0.1 {everyone}"})


def test_disabled_plugins_and_trusted_proxies_are_lists():
    settings = Settings.from_ini({"opalexe.environment": "test", "opalexe.plugins.disabled": "naming_cncej\n other",
                                  "opalexe.trusted_proxies": "127.0.0.1 ::1"})
    assert settings.plugins_disabled == ("naming_cncej", "other")
    assert [str(network) for network in settings.trusted_proxies] == ["127.0.0.1/32", "::1/128"]


def test_trusted_proxies_may_be_networks():
    settings = Settings.from_ini({"opalexe.environment": "test", "opalexe.trusted_proxies": "10.0.0.0/8"})
    assert str(settings.trusted_proxies[0]) == "10.0.0.0/8"


def test_a_trusted_proxy_that_is_no_address_is_refused_at_start():
    with pytest.raises(SettingsError, match="'nginx.local' is neither an IP address nor a network"):
        Settings.from_ini({"opalexe.environment": "test", "opalexe.trusted_proxies": "127.0.0.1 nginx.local"})


def test_production_may_trust_a_private_network_of_proxies():
    settings = Settings.from_ini({**PRODUCTION, "opalexe.trusted_proxies": "10.0.0.0/8 fc00::/7"})
    assert [str(network) for network in settings.trusted_proxies] == ["10.0.0.0/8", "fc00::/7"]


def test_a_retired_setting_is_named_in_a_warning(caplog):
    with caplog.at_level("WARNING", logger="opalexe_core.settings"):
        Settings.from_ini({"opalexe.environment": "test", "opalexe.site_name": "Opalexe Angers"})
    assert "opalexe.site_name is no longer read" in caplog.text
    assert "/parametres" in caplog.text
