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
import re
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
from pytest_opalexe.checkout import checkout_root

REPO_ROOT = checkout_root()
PRODUCTION_INI = REPO_ROOT / "production.ini"
KIT_DIR = Path("pytest_opalexe")
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
import re
import sys
from pathlib import Path

import opalexe_core
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.resources.root import get_root
from opalexe_core.settings import SettingsError
from opalexe_core.storage import open_db, opened
from pytest_opalexe.web import browser_client, close_app, file_storage_uri, init_platform, test_settings

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
    kit_wheel: Path  # pytest-opalexe, the test kit
    plugin_wheels: list[Path]
    source: Path  # the copy of the checkout the wheels were built from
    target: Path  # where pip installed them all
    core_only: Path  # where pip installed the core's wheel alone
    dependencies: Path  # the venv's third-party packages, without any Opalexe distribution
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
    return get_appsettings(str(PRODUCTION_INI), options={"socket": "/run/opalexe/0.sock"})["opalexe.templates_dir"]


#: What the venv holds of Opalexe itself (editable installs and their finders),
#: kept out of the dependencies an installed copy runs with.
OURS = ("opalexe", "pytest_opalexe", "pytest-opalexe", "__editable__", "_opalexe", "__pycache__")


#: What the test kit brings besides pytest: absent where Opalexe runs without it.
KIT_DEPENDENCIES = ("webtest", "aiosmtpd", "playwright")


def dependencies_only(directory: Path, without: tuple[str, ...] = ()) -> Path:
    """A folder of links to the venv's site-packages entries, but for the
    Opalexe distributions (the editable installs of this checkout), the
    ``.pth`` files and the packages named in ``without``: a Python given it
    finds pytest, Pyramid, ZODB… and only the Opalexe code installed from
    wheels."""
    directory.mkdir()
    skipped = OURS + without
    for lib in dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]):
        for entry in Path(lib).iterdir():
            if entry.name.lower().startswith(skipped) or entry.suffix == ".pth" or (directory / entry.name).exists():
                continue
            (directory / entry.name).symlink_to(entry)
    return directory


def run_installed(paths: list[Path], args: list[str], cwd: Path, env: dict | None = None):
    """``python -S -P args`` finding packages in ``paths`` only (``-S``: the
    venv's site and its editable finders never run; ``-P``: not the current
    folder either)."""
    return subprocess.run(
        [sys.executable, "-S", "-P", *args],
        cwd=cwd, env={"PYTHONPATH": ":".join(map(str, paths)), "PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True, text=True, timeout=PIP_SECONDS,
    )


def run_installed_copy(target: Path, dependencies: Path, workdir: Path) -> dict:
    """PROBE, run by a Python that finds Opalexe in ``target`` only."""
    workdir.mkdir()
    probe = workdir / "probe.py"
    probe.write_text(PROBE)
    result = run_installed([target, dependencies], [str(probe), str(workdir), production_templates_dir()], workdir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("packaging")
    source, wheels, target, core_only = base / "source", base / "wheels", base / "target", base / "core-only"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source), str(source / KIT_DIR),
        *(str(source / plugin) for plugin in PLUGIN_DIRS))
    (core_wheel,) = wheels.glob("opalexe-[0-9]*.whl")
    (kit_wheel,) = wheels.glob("pytest_opalexe-*.whl")
    plugin_wheels = sorted(set(wheels.glob("*.whl")) - {core_wheel, kit_wheel})
    pip("install", "--no-deps", "--target", str(target), str(core_wheel), str(kit_wheel), *map(str, plugin_wheels))
    pip("install", "--no-deps", "--target", str(core_only), str(core_wheel))
    dependencies = dependencies_only(base / "dependencies")
    report = run_installed_copy(target, dependencies, base / "run")
    return Installed(core_wheel, kit_wheel, plugin_wheels, source, target, core_only, dependencies, report)


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


# -- the test kit, a distribution of its own -------------------------------------------------


def test_the_core_wheel_carries_no_test_fixtures_and_no_pytest_plugin(installed):
    assert not [name for name in wheel_files(installed.core_wheel) if name.startswith("opalexe_core/testing")]
    assert not entry_points(installed.core_wheel).has_section("pytest11")


def test_pytest_works_where_the_core_is_installed_without_its_test_extra(installed, tmp_path):
    without_kit = dependencies_only(tmp_path / "dependencies", without=KIT_DEPENDENCIES)
    assert not list(without_kit.glob("webtest*")), "the view still holds the test extra"

    (tmp_path / "test_alone.py").write_text("def test_alone():\n    assert True\n")
    paths = [installed.core_only, without_kit]

    version = run_installed(paths, ["-m", "pytest", "--version"], tmp_path)
    session = run_installed(paths, ["-m", "pytest", "-p", "no:cacheprovider", "test_alone.py"], tmp_path)

    assert version.returncode == 0, version.stderr
    assert session.returncode == 0, session.stdout + session.stderr  # every installed pytest plugin loaded
    assert "1 passed" in session.stdout


def test_the_kit_wheel_registers_its_fixtures_as_a_pytest_plugin(installed):
    assert entry_points(installed.kit_wheel).items("pytest11") == [("opalexe", "pytest_opalexe.fixtures")]


def test_the_kit_wheel_serves_its_fixtures_to_the_naming_plugin_tests(installed):
    """The naming plugin's own tests, run by a Python that finds Opalexe, the
    test kit and the plugins only as installed from their wheels (core, kit,
    auth_demo, naming_cncej), the checkout named by ``OPALEXE_CHECKOUT``:
    ``testapp`` (the app on FileStorage and on RelStorage) comes from the
    kit's wheel through its ``pytest11`` entry point."""
    tests = installed.source / "plugins" / "naming_cncej" / "tests"

    result = run_installed(
        [installed.target, installed.dependencies],
        ["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", str(tests)],
        installed.source,
        env={"OPALEXE_CHECKOUT": str(installed.source), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )

    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in [\d.]+s", summary), summary  # no error, failure, skip or warning
    platform_test = "test_in_the_platform.py::test_the_dashboard_shows_the_demo_case_of_angers_named_by_the_rule"
    assert f"PASSED plugins/naming_cncej/tests/{platform_test}[filestorage]" in result.stdout
    assert f"PASSED plugins/naming_cncej/tests/{platform_test}[relstorage]" in result.stdout
