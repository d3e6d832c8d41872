"""Opalexe as an operator installs it: the core and every plugin under
``plugins/`` installed from wheels, not editable, so only what the wheels
ship is there (etc/README.md).

The wheels are built the way pip builds them, from a copy of the checkout (an
in-tree build writes ``build/`` and ``*.egg-info``), offline: no build
isolation, with the setuptools and wheel the test extra installs. They are
installed with ``pip --target`` into a folder, and a Python started without
``site`` (``-S``: the editable install's finders never run) and without the
current folder on its path (``-P``) imports Opalexe from that folder, the
venv's site-packages behind it for the dependencies only. The page templates
come from the checkout, through ``opalexe.templates_dir`` as production.ini
names it.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyramid.paster import get_appsettings

from opalexe_core.plugins import make_plugin_manager
from opalexe_core.services.jurisdictions import collect_jurisdictions
from opalexe_core.testing.web import REPO_ROOT

PRODUCTION_INI = REPO_ROOT / "production.ini"
PLUGIN_DIRS = sorted(path.parent.relative_to(REPO_ROOT) for path in (REPO_ROOT / "plugins").glob("*/setup.cfg"))
# Kept in the checkout for translators (opalexe_core/locale/README.md), not needed to run.
NOT_SHIPPED = {"locale/README.md", "locale/lingua.cfg", "locale/opalexe.pot"}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache",
    "test-artifacts",
)
PIP_SECONDS = 120

# Run by the installed copy; prints what it saw as JSON.
PROBE = """
import json
import sys
from pathlib import Path

import opalexe_core
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources.root import get_root
from opalexe_core.settings import SettingsError
from opalexe_core.storage import open_db, opened
from opalexe_core.testing.web import browser_client, close_app, file_storage_uri, init_platform, test_settings

workdir, templates_dir = Path(sys.argv[1]), sys.argv[2]
uri = file_storage_uri(workdir / "db")
init_platform(uri, demo=False)
report = {}
try:
    close_app(opalexe_core.main({}, **test_settings(uri)))
    report["without_templates_dir"] = "started"
except SettingsError as error:
    report["without_templates_dir"] = str(error)

app = opalexe_core.main({}, **test_settings(uri, **{"opalexe.templates_dir": templates_dir}))
client = browser_client(app)
report["home"] = client.get("/").text
report["home_en"] = client.get("/", params={"_LOCALE_": "en"}).text
report["css_status"] = client.get("/static/opalexe.css", expect_errors=True).status_int
close_app(app)

db = open_db(uri)
with opened(db) as (zodb_root, _manager):
    report["jurisdictions"] = len(get_root(zodb_root).jurisdictions)
db.close()
report["plugins"] = [name for name, _plugin in make_plugin_manager().list_name_plugin()]
report["modules"] = {
    name: module.__file__ for name, module in sys.modules.items()
    if name.startswith("opalexe") and getattr(module, "__file__", None)
}
print(json.dumps(report))
"""


@dataclass
class Installed:
    core_wheel: Path
    plugin_wheels: list[Path]
    source: Path  # the copy of the checkout the wheels were built from
    target: Path  # where pip installed them
    report: dict  # what the installed copy saw (PROBE)


def pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-index", "--quiet", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=PIP_SECONDS,
    )
    assert result.returncode == 0, (
        f"pip {args[0]} failed (`make venv` installs setuptools and wheel with the test extra):\n{result.stderr}"
    )


def production_templates_dir() -> str:
    return get_appsettings(str(PRODUCTION_INI), options={"http_port": "0"})["opalexe.templates_dir"]


def run_installed_copy(target: Path, workdir: Path) -> dict:
    """PROBE, run by a Python that finds Opalexe in ``target`` only."""
    workdir.mkdir()
    probe = workdir / "probe.py"
    probe.write_text(PROBE)
    venv_libs = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    result = subprocess.run(
        [sys.executable, "-S", "-P", str(probe), str(workdir), production_templates_dir()],
        cwd=workdir, env={"PYTHONPATH": ":".join([str(target), *venv_libs]), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=PIP_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("packaging")
    source, wheels, target = base / "source", base / "wheels", base / "target"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source),
        *(str(source / plugin) for plugin in PLUGIN_DIRS))
    (core_wheel,) = wheels.glob("opalexe-*.whl")
    plugin_wheels = sorted(set(wheels.glob("*.whl")) - {core_wheel})
    pip("install", "--no-deps", "--target", str(target), str(core_wheel), *map(str, plugin_wheels))
    return Installed(core_wheel, plugin_wheels, source, target, run_installed_copy(target, base / "run"))


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def entry_points(wheel: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    with zipfile.ZipFile(wheel) as archive:
        name = next(name for name in archive.namelist() if name.endswith(".dist-info/entry_points.txt"))
        parser.read_string(archive.read(name).decode())
    return parser


# -- what the wheels ship ------------------------------------------------------------------


def test_the_core_wheel_ships_every_module_and_data_file_of_the_package(installed):
    package = installed.source / "opalexe_core"
    in_checkout = {
        f"opalexe_core/{path.relative_to(package)}" for path in package.rglob("*") if path.is_file()
    } - {f"opalexe_core/{name}" for name in NOT_SHIPPED}

    shipped = wheel_files(installed.core_wheel)

    assert {name for name in in_checkout if not name.endswith(".py")} >= {
        "opalexe_core/static/opalexe.css",
        "opalexe_core/data/jurisdictions.csv",
        "opalexe_core/locale/en/LC_MESSAGES/opalexe.mo",
    }
    assert shipped == in_checkout, "setup.cfg [options.package_data], or NOT_SHIPPED here"


def test_a_wheel_is_built_for_every_plugin_and_declares_its_opalexe_entry_point(installed):
    assert len(installed.plugin_wheels) == len(PLUGIN_DIRS) >= 1
    for wheel in installed.plugin_wheels:
        assert entry_points(wheel).items("opalexe"), f"{wheel.name}: no entry point in the group opalexe"


# -- the installed copy ----------------------------------------------------------------------


def test_production_ini_names_the_checkout_templates():
    assert Path(production_templates_dir()) == REPO_ROOT / "templates"


def test_the_installed_copy_is_the_one_that_runs(installed):
    modules = installed.report["modules"]

    assert {"opalexe_core", "opalexe_naming_cncej"} <= set(modules)
    assert {name: path for name, path in modules.items() if not path.startswith(f"{installed.target}/")} == {}


def test_the_installed_copy_serves_french_and_english_pages_with_the_checkout_templates(installed):
    assert "Bienvenue sur Opalexe" in installed.report["home"]
    assert "Welcome to Opalexe" in installed.report["home_en"]  # the shipped .mo


def test_the_installed_copy_serves_its_static_files(installed):
    assert installed.report["css_status"] == 200


def test_the_installed_copy_loads_every_plugin_and_the_courts_data(installed):
    assert "naming_cncej" in installed.report["plugins"]
    assert installed.report["jurisdictions"] == len(collect_jurisdictions(make_plugin_manager())) > 0


def test_an_installed_copy_without_templates_dir_says_which_setting_to_give(installed):
    refusal = installed.report["without_templates_dir"]

    assert refusal.startswith("opalexe.templates_dir is not given and there is no ")
    assert f"{installed.target}/templates:" in refusal
