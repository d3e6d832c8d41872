"""Plugins are found through the ``opalexe`` entry-point group, can be
disabled, and the core falls back to its defaults without them."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pluggy

from opalexe_core import hookimpl
from opalexe_core.contract import CaseFacts, PartyFacts
from opalexe_core.plugins import CORE_PLUGIN_NAME, describe_plugins, make_plugin_manager

FACTS = CaseFacts(
    demandeurs=(PartyFacts("Dupont", "physique"),),
    defendeurs=(PartyFacts("Syndicat des copropriétaires de la résidence Les Tilleuls"),),
    jurisdiction_short="TJ Angers",
    rg="18/00001",
    exp="18/00001",
    expert_name="Martin",
)


def test_naming_cncej_is_loaded_from_its_entry_point():
    pm = make_plugin_manager()
    assert pm.get_plugin("naming_cncej") is not None
    assert pm.hook.opalexe_case_name_compute(facts=FACTS) == "Dupont-SDC Les Tilleuls-TJ Angers-RG18-1-Martin-EXP18-1"


def test_a_disabled_plugin_is_not_loaded_and_the_core_default_answers():
    pm = make_plugin_manager(disabled=("naming_cncej",))
    assert pm.get_plugin("naming_cncej") is None
    name = pm.hook.opalexe_case_name_compute(facts=FACTS)
    assert name == "Dupont c/ Syndicat des copropriétaires de la résidence Les Tilleuls – TJ Angers – RG 18/00001"


def test_describe_plugins_lists_each_plugin_with_its_hooks_and_the_disabled_ones():
    infos = {info.name: info for info in describe_plugins(make_plugin_manager())}
    assert infos[CORE_PLUGIN_NAME].distribution is None
    assert infos["naming_cncej"].distribution == "opalexe-naming-cncej"
    assert infos["naming_cncej"].hooks == ("opalexe_case_name_compute", "opalexe_case_number_normalize")
    disabled = {info.name: info for info in describe_plugins(make_plugin_manager(disabled=("naming_cncej",)))}
    assert disabled["naming_cncej"].disabled and disabled["naming_cncej"].hooks == ()


def test_an_installed_plugin_answers_before_the_core_defaults():
    class Plugin:
        @hookimpl
        def opalexe_case_name_compute(self, facts):
            return "nom régional"

    pm = make_plugin_manager(disabled=("naming_cncej",))
    pm.register(Plugin(), name="regional")
    assert pm.hook.opalexe_case_name_compute(facts=FACTS) == "nom régional"


def test_an_unknown_hook_in_a_plugin_is_refused():
    class Broken:
        @hookimpl
        def opalexe_no_such_hook(self):
            return 1

    pm = make_plugin_manager()
    pm.register(Broken(), name="broken")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        assert "opalexe_no_such_hook" in str(error)
    else:
        raise AssertionError("an unknown hook must be refused")


def _environment_without(distribution_prefix: str, tmp_path: Path) -> Path:
    """A site directory mirroring this venv's, minus one distribution's
    metadata and import hooks: for the interpreter, it is not installed."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    mirror = tmp_path / "site"
    mirror.mkdir()
    for entry in purelib.iterdir():
        lowered = entry.name.lower().replace("-", "_")
        if distribution_prefix in lowered:
            continue
        (mirror / entry.name).symlink_to(entry)
    return mirror


def test_uninstalling_naming_cncej_falls_back_to_the_default_name(tmp_path):
    mirror = _environment_without("opalexe_naming_cncej", tmp_path)
    script = (
        "import site, sys; sys.path[:] = [p for p in sys.path if 'site-packages' not in p]; "
        f"site.addsitedir({str(mirror)!r}); "
        "import importlib.metadata as m; "
        "assert 'naming_cncej' not in {e.name for e in m.entry_points(group='opalexe')}; "
        "from opalexe_core.plugins import make_plugin_manager; "
        "from opalexe_core.contract import CaseFacts, PartyFacts; "
        "pm = make_plugin_manager(); "
        "print(pm.hook.opalexe_case_name_compute(facts=CaseFacts((PartyFacts('Dupont'),), "
        "(PartyFacts('SARL Bâti Ouest'),), 'TJ Angers', '18/00001', None, 'Martin')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Dupont c/ SARL Bâti Ouest – TJ Angers – RG 18/00001"


def test_with_naming_cncej_disabled_in_the_ini_the_platform_runs_on_default_names(tmp_path):
    from opalexe_core.app import make_app
    from pytest_opalexe.web import browser_client, close_app, demo_login, file_storage_uri, init_platform
    from pytest_opalexe.web import test_settings as settings_for

    settings = settings_for(file_storage_uri(tmp_path), **{"opalexe.plugins.disabled": "naming_cncej"})
    init_platform(settings["zodbconn.uri"], disabled=("naming_cncej",))
    app = make_app(settings)
    try:
        client = browser_client(app)
        home = demo_login(client, "expert")
        default_name = "Dupont c/ Syndicat des copropriétaires de la résidence Les Tilleuls – TJ Angers – RG 18/00001"
        assert default_name in home.text
        assert "RG18-1" not in home.text
        demo_login(client, "admin")
        assert "désactivée" in client.get("/extensions").text
    finally:
        close_app(app)
