"""The rule in a running platform, on the fixtures of the Opalexe test kit
(pytest-opalexe): the demo cases the platform creates are named by it."""

import pytest

from pytest_opalexe.web import demo_login, test_settings

ANGERS_CASE = "Dupont-SDC Les Tilleuls-TJ Angers-RG18-1-Martin-EXP18-1"


@pytest.fixture
def app_settings(storage):
    """The kit's app with this plugin loaded (a test app loads only the
    installed plugins it names; the demo login to get in)."""
    return test_settings(storage.uri, plugins=("auth_demo", "naming_cncej"))


def test_the_dashboard_shows_the_demo_case_of_angers_named_by_the_rule(testapp):
    home = demo_login(testapp, "expert")
    names = [link.get_text(strip=True) for link in home.html.select("table.expertises tbody a")]
    assert len(names) == 4
    assert ANGERS_CASE in names
