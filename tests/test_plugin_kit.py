"""``opalexe plugin new``: the distribution it writes, and the names it refuses.

The generated plugin installed from its wheel, its own tests and a browser
login through it: ``tests/browser/test_plugin_kit_install.py``.
"""

import ast
import configparser
import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from packaging.requirements import Requirement

from opalexe_core import cli
from opalexe_core.api import CONTRACT_VERSION
from opalexe_core.plugin_kit import VARIANTS

OPALEXE = str(Path(sys.executable).with_name("opalexe"))
RUFF = str(Path(sys.executable).with_name("ruff"))

PAGE_FILES = {
    "README.md", "pyproject.toml", "setup.cfg",
    "opalexe_mon_acces/__init__.py",
    "opalexe_mon_acces/templates/page.pt",
    "opalexe_mon_acces/locale/lingua.cfg",
    "opalexe_mon_acces/locale/en/LC_MESSAGES/opalexe_mon_acces.po",
    "opalexe_mon_acces/locale/en/LC_MESSAGES/opalexe_mon_acces.mo",
    "tests/test_plugin.py",
}
AUTH_FILES = PAGE_FILES - {"opalexe_mon_acces/templates/page.pt", "tests/test_plugin.py"} | {
    "opalexe_mon_acces/templates/login.pt", "tests/test_provider.py",
}


def new(*args, cwd=None):
    """``opalexe plugin new`` as a person runs it (no configuration file)."""
    return subprocess.run([OPALEXE, "plugin", "new", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def files_below(directory: Path) -> set[str]:
    return {path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()}


def setup_cfg(plugin: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(plugin / "setup.cfg")
    return parser


def opalexe_imports(path: Path) -> set[str]:
    """The modules of ``opalexe_core`` a Python file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("opalexe_core")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("opalexe_core"):
            found |= {f"{node.module}.{alias.name}" if node.module == "opalexe_core" else node.module
                      for alias in node.names}
    return found


@pytest.fixture(params=VARIANTS)
def generated(request, tmp_path) -> Path:
    """A plugin written by the command, in each variant."""
    options = ["--auth-provider"] if request.param == "auth" else []
    result = new("mon_acces", *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"écrite dans {tmp_path / 'mon_acces'}" in result.stdout
    return tmp_path / "mon_acces"


# -- what it writes ----------------------------------------------------------------------------


def test_it_writes_a_distribution_of_the_chosen_kind(tmp_path):
    assert new("mon_acces", cwd=tmp_path).returncode == 0
    assert new("mon_fournisseur", "--auth-provider", "--directory", str(tmp_path)).returncode == 0

    assert files_below(tmp_path / "mon_acces") == PAGE_FILES
    assert files_below(tmp_path / "mon_fournisseur") == {
        name.replace("mon_acces", "mon_fournisseur") for name in AUTH_FILES
    }
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mon_acces", "mon_fournisseur"]  # no leftovers


def test_its_setup_cfg_names_the_entry_point_and_bounds_the_contract(generated):
    config = setup_cfg(generated)
    assert config["metadata"]["name"] == "opalexe-mon-acces"
    assert config["options.entry_points"]["opalexe"].split() == ["mon_acces", "=", "opalexe_mon_acces"]
    [requirement] = map(Requirement, config["options"]["install_requires"].split("\n")[1:])
    assert requirement.name == "opalexe" and str(requirement.specifier) == "<2,>=1.0"
    assert requirement.specifier.contains(CONTRACT_VERSION)
    assert config["options.extras_require"]["test"].split() == ["pytest-opalexe", "ruff"]


def test_its_code_imports_only_the_api_module_of_the_core(generated):
    modules = list((generated / "opalexe_mon_acces").rglob("*.py"))
    assert modules and {path: opalexe_imports(path) for path in modules} == {
        path: {"opalexe_core.api"} for path in modules
    }


def test_its_tests_import_the_api_and_the_test_kit_only(generated):
    [test_file] = (generated / "tests").glob("test_*.py")
    assert opalexe_imports(test_file) == {"opalexe_core.api"}
    assert "from pytest_opalexe.web import" in test_file.read_text()


def test_every_placeholder_is_filled_and_ruff_passes(generated):
    for path in generated.rglob("*"):
        if path.is_file() and path.suffix != ".mo":
            assert "{{" not in path.read_text(), path
    result = subprocess.run([RUFF, "check", "--no-cache", "."], cwd=generated, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_french_message_of_the_plugin_has_its_english_translation(generated, tmp_path):
    pot = tmp_path / "plugin.pot"
    package = generated / "opalexe_mon_acces"
    subprocess.run([sys.executable, "-m", "lingua.extract", "-c", str(package / "locale" / "lingua.cfg"),
                    "-d", "opalexe_mon_acces", "-o", str(pot), "opalexe_mon_acces"], cwd=generated, check=True)
    with open(pot, "rb") as f:
        msgids = {message.id for message in read_po(f) if message.id}
    catalog = package / "locale" / "en" / "LC_MESSAGES" / "opalexe_mon_acces"
    with open(catalog.with_suffix(".po"), "rb") as f:
        english = {message.id: message.string for message in read_po(f) if message.id}
    compiled = {message.id: message.string for message in read_mo(io.BytesIO(catalog.with_suffix(".mo").read_bytes()))
                if message.id}

    assert len(msgids) >= 3
    assert {msgid: english.get(msgid) for msgid in msgids if not english.get(msgid)} == {}
    assert compiled == english, "the template's .mo is stale: pybabel compile it from its .po"


def test_the_readme_guides_an_integrator_writing_an_authentication_provider(generated):
    readme = (generated / "README.md").read_text()
    assert readme.startswith("# opalexe-mon-acces\n")
    guide = readme[readme.index("## Writing an authentication provider"):]
    for name in ("opalexe_auth_providers_collect", "opalexe_config_include", "opalexe_credentials_get",
                 "opalexe_identity_get", "api.login_url", "api.csrf_token", "AuthenticationError",
                 "development_only", "email_verified"):
        assert name in guide, name


def test_the_provider_is_for_development_only_and_reads_its_shared_code(tmp_path):
    assert new("mon_acces", "--auth-provider", cwd=tmp_path).returncode == 0
    code = (tmp_path / "mon_acces" / "opalexe_mon_acces" / "__init__.py").read_text()
    assert 'SECRET_SETTING = "opalexe_mon_acces.shared_secret"' in code
    assert "development_only=True" in code and "hmac.compare_digest" in code
    assert "opalexe_mon_acces.shared_secret = " in (tmp_path / "mon_acces" / "README.md").read_text()


# -- what it refuses ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "", "a", "Mon_acces", "mon-acces", "mon acces", "1acces", "_acces", "acces_", "mon__acces", "accès",
    "m" * 41, "../evil", "opalexe", "opalexe_acces",
])
def test_an_invalid_name_is_refused_and_nothing_written(tmp_path, name):
    result = new(name, cwd=tmp_path)
    assert result.returncode == 2
    assert f"nom d'extension invalide « {name} »" in result.stderr
    assert "Rien n'a été écrit." in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "why"), [
    ("naming_cncej", "une extension nommée « naming_cncej » est déjà installée"),
    ("auth_demo", "une extension nommée « auth_demo » est déjà installée"),
    ("core", "un paquet Python « opalexe_core » existe déjà"),
])
def test_a_name_taken_in_this_environment_is_refused(tmp_path, name, why):
    result = new(name, cwd=tmp_path)
    assert result.returncode == 2 and why in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_left_untouched(tmp_path):
    (tmp_path / "mon_acces").mkdir()
    (tmp_path / "mon_acces" / "notes.txt").write_text("à garder")

    result = new("mon_acces", "--auth-provider", cwd=tmp_path)

    assert result.returncode == 2
    assert f"« {tmp_path / 'mon_acces'} » existe déjà" in result.stderr
    assert files_below(tmp_path) == {"mon_acces/notes.txt"}
    assert (tmp_path / "mon_acces" / "notes.txt").read_text() == "à garder"


def test_a_missing_directory_is_refused(tmp_path):
    result = new("mon_acces", "--directory", str(tmp_path / "absent"))
    assert result.returncode == 2 and "n'existe pas" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    def disk_full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OSError):
        cli.main(["plugin", "new", "mon_acces", "--directory", str(tmp_path)])
    assert list(tmp_path.iterdir()) == []

