"""Settings are checked once at start-up; production refuses unsafe ones."""

import re
import secrets

import pytest
from pyramid.paster import get_appsettings

from opalexe_core.settings import GENERATE_SECRET, Settings, SettingsError
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.web import test_settings as kit_settings

REPO_ROOT = checkout_root()
#: What `python3 -c "import secrets; print(secrets.token_hex(32))"` prints.
SECRET = "5f0c9a6b3d2e41f7a8c0b9e6d5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6"


def test_development_ini_runs_on_file_storage_and_delivers_the_outbox():
    raw = get_appsettings(str(REPO_ROOT / "development.ini"))
    settings = Settings.from_ini(raw)
    assert settings.environment == "development"
    assert raw["zodbconn.uri"].startswith(f"file://{REPO_ROOT}/var/Data.fs")
    assert settings.outbox_inline and settings.outbox_sweep_seconds == 30
    assert "opalexe.dev_login" not in raw  # the demo login is the plugin auth_demo


def test_production_ini_disables_the_demo_login_and_uses_relstorage(monkeypatch):
    monkeypatch.setenv("OPALEXE_SESSION_SECRET", SECRET)
    monkeypatch.setenv("OPALEXE_PUBLIC_URL", "https://opalexe.example.org")
    raw = get_appsettings(str(REPO_ROOT / "production.ini"), options={"socket": "/run/opalexe/1.sock"})
    settings = Settings.from_ini(raw)
    assert settings.environment == "production"
    assert settings.secure_cookies is True
    assert settings.outbox_sweep_seconds > 0
    assert settings.session_secret == SECRET
    assert str(settings.public_url) == "https://opalexe.example.org"
    assert raw["zodbconn.uri"] == f"zconfig://{REPO_ROOT}/etc/relstorage.conf#main"


def test_the_retired_dev_login_setting_is_named_in_a_warning(caplog):
    Settings.from_ini({"opalexe.environment": "development", "opalexe.dev_login": "true"})
    assert "opalexe.dev_login is no longer read" in caplog.text and "auth_demo" in caplog.text


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_an_outbox_sweep_that_is_not_a_number_of_seconds_is_refused(value):
    with pytest.raises(SettingsError, match="opalexe.outbox.sweep_seconds"):
        Settings.from_ini({"opalexe.environment": "development", "opalexe.outbox.sweep_seconds": value})


def test_production_refuses_a_short_or_missing_session_secret(monkeypatch):
    monkeypatch.delenv("OPALEXE_SESSION_SECRET", raising=False)
    with pytest.raises(SettingsError, match="session_secret"):
        Settings.from_ini({"opalexe.environment": "production"})


def test_an_unknown_environment_is_refused():
    with pytest.raises(SettingsError, match="environment"):
        Settings.from_ini({"opalexe.environment": "staging"})


def test_a_missing_environment_is_refused_rather_than_taken_for_development():
    with pytest.raises(SettingsError, match="opalexe.environment must be development, production or test, not ''"):
        Settings.from_ini({"opalexe.secure_cookies": "true"})


PRODUCTION = {
    "opalexe.environment": "production",
    "opalexe.session_secret": SECRET,
    "opalexe.public_url": "https://opalexe.example.org",
    "opalexe.proxy.unix_socket": "true",
}


def test_production_refuses_plain_cookies():
    with pytest.raises(SettingsError, match="secure_cookies cannot be false in production"):
        Settings.from_ini({**PRODUCTION, "opalexe.secure_cookies": "false"})


# -- the session secret --------------------------------------------------------------------


def test_production_refuses_the_development_secret():
    development = get_appsettings(str(REPO_ROOT / "development.ini"))["opalexe.session_secret"]
    with pytest.raises(SettingsError, match="published with the code"):
        Settings.from_ini({**PRODUCTION, "opalexe.session_secret": development})


def test_production_refuses_the_test_kit_s_secret():
    kit = kit_settings("file:///nowhere")["opalexe.session_secret"]
    with pytest.raises(SettingsError, match="published with the code"):
        Settings.from_ini({**PRODUCTION, "opalexe.session_secret": kit})


@pytest.mark.parametrize("short", [
    secrets.token_hex(31),  # 31 bytes
    secrets.token_urlsafe(31),
    "correct horse battery staple, and a few more words",  # long, but neither hex nor base64
    "my-production-secret-for-opalexe",  # base64 letters: 24 bytes
])
def test_production_refuses_a_secret_of_fewer_than_32_random_bytes(short):
    with pytest.raises(SettingsError, match="at least 32 random bytes, written in hex .* or URL-safe base64") as no:
        Settings.from_ini({**PRODUCTION, "opalexe.session_secret": short})
    assert GENERATE_SECRET in str(no.value)


@pytest.mark.parametrize("typed", [
    "s" * 64,
    "0123456789abcdef" * 4,
    secrets.token_hex(16) * 2,
    "changeme" * 8,
    "1100100011101001110001111111000010110110101101101111010010111110",  # two digits, no pattern
])
def test_production_refuses_a_visibly_low_entropy_secret(typed):
    with pytest.raises(SettingsError, match="looks typed rather than random"):
        Settings.from_ini({**PRODUCTION, "opalexe.session_secret": typed})


@pytest.mark.parametrize("drawn", [
    secrets.token_hex(32),
    secrets.token_hex(32).upper(),
    secrets.token_hex(64),
    secrets.token_urlsafe(32),
    secrets.token_urlsafe(32) + "=",  # padded URL-safe base64 (44 characters)
])
def test_production_accepts_32_random_bytes_in_hex_or_base64(drawn):
    assert Settings.from_ini({**PRODUCTION, "opalexe.session_secret": drawn}).session_secret == drawn


# -- how nginx proves itself ------------------------------------------------------------------


def test_production_needs_to_know_its_nginx():
    with pytest.raises(SettingsError, match="production needs to know its nginx"):
        Settings.from_ini({key: value for key, value in PRODUCTION.items() if not key.startswith("opalexe.proxy")})


def test_production_may_know_nginx_by_a_drawn_secret_instead_of_the_socket(monkeypatch):
    monkeypatch.setenv("OPALEXE_PROXY_SECRET", SECRET)
    settings = Settings.from_ini({**PRODUCTION, "opalexe.proxy.unix_socket": "false"})
    assert settings.proxy.secret == SECRET and not settings.proxy.unix_socket


@pytest.mark.parametrize("weak", ["nginx", "a" * 64, "development-only-secret-not-for-production-use"])
def test_production_refuses_a_weak_proxy_secret(weak):
    with pytest.raises(SettingsError, match="opalexe.proxy.secret"):
        Settings.from_ini({**PRODUCTION, "opalexe.proxy.secret": weak})


def test_a_proxy_secret_must_fit_in_a_header():
    with pytest.raises(SettingsError, match="hex or URL-safe base64"):
        Settings.from_ini({"opalexe.environment": "test", "opalexe.proxy.secret": "a b\nc"})


def test_the_retired_trusted_proxies_setting_is_named_in_a_warning(caplog):
    Settings.from_ini({"opalexe.environment": "test", "opalexe.trusted_proxies": "127.0.0.1"})
    assert "opalexe.trusted_proxies is no longer read" in caplog.text
    assert "opalexe.proxy.unix_socket" in caplog.text


def test_disabled_plugins_are_a_list():
    settings = Settings.from_ini({"opalexe.environment": "test", "opalexe.plugins.disabled": "naming_cncej\n other"})
    assert settings.plugins_disabled == ("naming_cncej", "other")


# -- trust stores, plugin options, login limits --------------------------------------------------


def test_trust_stores_are_read_by_name():
    settings = Settings.from_ini({"opalexe.environment": "test",
                                  "opalexe.trust.certeurope.ca_bundle": "/etc/opalexe/trust/certeurope.pem",
                                  "opalexe.trust.certeurope.crl": "/var/lib/a.crl\n /var/lib/b.crl",
                                  "opalexe.trust.platform.ca_bundle": "/var/lib/opalexe/ca.pem"})
    certeurope = settings.trust_stores["certeurope"]
    assert (certeurope.ca_bundle, certeurope.crls) == ("/etc/opalexe/trust/certeurope.pem",
                                                       ("/var/lib/a.crl", "/var/lib/b.crl"))
    assert settings.trust_stores["platform"].crls == ()


@pytest.mark.parametrize(("raw", "message"), [
    ({"opalexe.trust.x.crl": "/a.crl"}, "opalexe.trust.x.ca_bundle is required"),
    ({"opalexe.trust.x.ocsp": "http://ocsp"}, "a trust store has only ca_bundle and crl"),
    ({"opalexe.plugin.auth_justice": "x"}, "opalexe.plugin.<plugin>.<option>"),
    ({"opalexe.login.attempts_per_address": "0"}, "at least 1"),
    ({"opalexe.login.attempts_per_certificate": "many"}, "a whole number"),
])
def test_malformed_trust_plugin_and_login_settings_are_refused_at_start(raw, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_ini({"opalexe.environment": "test", **raw})


def test_plugin_options_are_grouped_by_plugin():
    settings = Settings.from_ini({"opalexe.environment": "test",
                                  "opalexe.plugin.auth_justice.ldap_url": " ldap://127.0.0.1:389 ",
                                  "opalexe.plugin.auth_justice.agents_base": "ou=agents,dc=justice,dc=fr"})
    assert dict(settings.plugin_options["auth_justice"]) == {"ldap_url": "ldap://127.0.0.1:389",
                                                             "agents_base": "ou=agents,dc=justice,dc=fr"}


# -- the public URL ----------------------------------------------------------------------------


def test_production_requires_the_public_url(monkeypatch):
    monkeypatch.delenv("OPALEXE_PUBLIC_URL", raising=False)
    with pytest.raises(SettingsError, match=r"opalexe.public_url \(or OPALEXE_PUBLIC_URL\) is required in production"):
        Settings.from_ini({**PRODUCTION, "opalexe.public_url": ""})


def test_the_public_url_may_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPALEXE_PUBLIC_URL", "https://expertises.example.org")
    settings = Settings.from_ini({**PRODUCTION, "opalexe.public_url": ""})
    assert str(settings.public_url) == "https://expertises.example.org"


def test_production_refuses_a_plain_http_public_url():
    with pytest.raises(SettingsError, match="opalexe.public_url must be an https:// address in production"):
        Settings.from_ini({**PRODUCTION, "opalexe.public_url": "http://opalexe.example.org"})


@pytest.mark.parametrize("wrong", [
    "opalexe.example.org",
    "ftp://opalexe.example.org",
    "https:opalexe.example.org",
    "https://",
    "https://opalexe.example.org/?next=/",
    "https://opalexe.example.org/#top",
    "https://opalexe.example.org?",
    "https://admin:secret@opalexe.example.org",
    "https://opalexe.example.org:99999",
    "https://opalexe example.org",
    "https://opalexe.example.org\r\nX-Injected: 1",
    "https://under_score.example.org",
    "https://opalexe.example.org/a/../b",
    "https://opalexe.example.org/a%2Fb",
])
def test_a_public_url_that_is_not_a_plain_http_or_https_address_is_refused(wrong):
    with pytest.raises(SettingsError, match="opalexe.public_url: "):
        Settings.from_ini({"opalexe.environment": "test", "opalexe.public_url": wrong})


@pytest.mark.parametrize(("given", "host", "prefix", "written"), [
    ("HTTPS://Opalexe.Example.ORG:443/", "opalexe.example.org", "", "https://opalexe.example.org"),
    ("http://localhost:6543", "localhost:6543", "", "http://localhost:6543"),
    ("https://example.org/juridique/opalexe/", "example.org", "/juridique/opalexe", "https://example.org/juridique/opalexe"),
    ("https://[2001:DB8::1]:8443", "[2001:db8::1]:8443", "", "https://[2001:db8::1]:8443"),
])
def test_the_public_url_is_read_into_scheme_host_and_prefix(given, host, prefix, written):
    public_url = Settings.from_ini({"opalexe.environment": "test", "opalexe.public_url": given}).public_url
    assert (public_url.host, public_url.prefix, str(public_url)) == (host, prefix, written)


def test_without_a_public_url_development_follows_the_request(monkeypatch):
    monkeypatch.delenv("OPALEXE_PUBLIC_URL", raising=False)
    assert Settings.from_ini(get_appsettings(str(REPO_ROOT / "development.ini"))).public_url is None


def test_a_retired_setting_is_named_in_a_warning(caplog):
    with caplog.at_level("WARNING", logger="opalexe_core.settings"):
        Settings.from_ini({"opalexe.environment": "test", "opalexe.site_name": "Opalexe Angers"})
    assert "opalexe.site_name is no longer read" in caplog.text
    assert "/parametres" in caplog.text
