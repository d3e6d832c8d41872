"""A plugin written by ``opalexe plugin new --auth-provider`` in a folder
outside the checkout, as an integrator writes one: built into a wheel,
installed (not editable) into a virtualenv of its own, its tests run there on
the kit's fixtures, the platform served from there by ``pserve`` and Chromium
logging in through it; uninstalled, its profile goes and nothing else."""

import secrets
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from playwright.sync_api import expect

from opalexe_core.services.demo import demo_email
from pytest_opalexe.pserve import ServerProcess, write_ini
from pytest_opalexe.web import file_storage_uri, test_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAME = "acces_partenaire"
PACKAGE = f"opalexe_{NAME}"
DISTRIBUTION = "opalexe-acces-partenaire"
SECRET = secrets.token_hex(32)
SUBPROCESS_SECONDS = 300


class Environment:
    """A virtualenv of the test's own, the project's venv behind it (a
    ``.pth`` adds the venv's site-packages, its editable installs of Opalexe
    and the kit included): what it installs stays in it."""

    def __init__(self, path: Path):
        self.path = path
        self.python = path / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
        self.site_packages = Path(self.run("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                                  .stdout.strip())
        project = sysconfig.get_paths()["purelib"]
        (self.site_packages / "opalexe-project-venv.pth").write_text(f"import site; site.addsitedir({project!r})\n")

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """``python -P args``: not the current folder on the path, so a
        package is imported from where it is installed."""
        return subprocess.run([str(self.python), "-P", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=SUBPROCESS_SECONDS)

    def pip(self, *args: str) -> None:
        result = self.run("-m", "pip", *args, "--disable-pip-version-check", "--quiet")
        assert result.returncode == 0, result.stdout + result.stderr


def profiles(page) -> list[str]:
    """The profiles offered on « Quel est votre profil d'utilisateur ? »."""
    return page.locator("ul.providers input").evaluate_all("choices => choices.map(c => c.dataset.provider)")


def choose(page, provider_id: str) -> None:
    """The profile, then « Continuer »."""
    page.locator(f"input[data-provider={provider_id}]").check()
    page.get_by_role("button", name="Continuer").click()


def dashboard(page) -> list[str]:
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes expertises")
    return page.locator("table.expertises tbody a").all_inner_texts()


@pytest.fixture
def integrator(tmp_path) -> Path:
    """The integrator's folder, outside the checkout, where the plugin is written."""
    folder = tmp_path / "integrator"
    folder.mkdir()
    result = subprocess.run([str(Path(sys.executable).with_name("opalexe")), "plugin", "new", NAME,
                             "--auth-provider"], cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return folder / NAME


def test_a_generated_provider_installed_from_its_wheel_logs_in_and_leaves_cleanly(integrator, tmp_path, page):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "--quiet", "-w", str(wheels), str(integrator)],
                           capture_output=True, text=True, timeout=SUBPROCESS_SECONDS)
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("opalexe_acces_partenaire-0.1.0-*.whl")

    env = Environment(tmp_path / "venv")
    env.pip("install", "--no-index", str(wheel))  # its requirement opalexe >= 1.0, < 2 met by the project's core
    where = env.run("-c", f"import {PACKAGE}; print({PACKAGE}.__file__)", cwd=integrator)
    assert where.stdout.strip() == str(env.site_packages / PACKAGE / "__init__.py"), where.stderr

    # Its own tests, on the kit's fixtures, against the installed copy.
    tests = env.run("-m", "pytest", "-p", "no:cacheprovider", "-q", cwd=integrator)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "error" not in tests.stdout.lower()

    # The platform as an operator runs it from that environment.
    settings = test_settings(file_storage_uri(tmp_path / "var"), plugins=("auth_demo", NAME),
                             **{f"{PACKAGE}.shared_secret": SECRET})
    initialised = env.run("-m", "opalexe_core.cli", "-c", str(write_ini(tmp_path / "init.ini", settings, 0)),
                          "init", "--demo")
    assert initialised.returncode == 0, initialised.stderr
    server = ServerProcess(tmp_path / "server", {}, lambda port: [
        str(env.python), "-P", "-m", "pyramid.scripts.pserve", str(write_ini(tmp_path / "server.ini", settings, port)),
    ]).start()
    try:
        page.goto(server.url + "/connexion")
        before = profiles(page)
        assert NAME in before and "demo" in before
        choose(page, NAME)
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion par code partagé")
        page.get_by_label("Adresse électronique").fill(demo_email("expert"))
        page.get_by_label("Code partagé").fill(SECRET[::-1])
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator(".flash.error")).to_have_text("Adresse électronique ou code partagé incorrect.")
        page.get_by_label("Adresse électronique").fill(demo_email("expert"))
        page.get_by_label("Code partagé").fill(SECRET)
        page.screenshot(path=str(tmp_path / "provider-page.png"), full_page=True)
        page.get_by_role("button", name="Se connecter").click()
        cases = dashboard(page)
        assert len(cases) == 4
        page.get_by_role("button", name="Se déconnecter").click()

        server.stop()
        env.pip("uninstall", "--yes", DISTRIBUTION)
        assert not (env.site_packages / PACKAGE).exists()
        assert not list(env.site_packages.glob("opalexe_acces_partenaire-*.dist-info"))
        server.restart()

        page.goto(server.url + "/connexion")  # the profile this browser chose is no longer offered: asked again
        assert profiles(page) == [provider for provider in before if provider != NAME]
        page.goto(server.url + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue sur Opalexe")
        page.goto(server.url + "/connexion")
        choose(page, "demo")
        page.locator(f'button[data-email="{demo_email("expert")}"]').click()
        assert dashboard(page) == cases
    finally:
        server.stop()
    listed = env.run("-m", "opalexe_core.cli", "-c", str(tmp_path / "init.ini"), "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "auth_demo" in listed.stdout and NAME not in listed.stdout
