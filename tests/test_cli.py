"""The ``opalexe`` console script on a real FileStorage."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.softhsm import with_token

REPO_ROOT = checkout_root()

OPALEXE = str(Path(sys.executable).with_name("opalexe"))


@pytest.fixture
def ini(tmp_path, softhsm_token):
    """development.ini with its var/ in the test's folder and the test's
    token in place of the development one (SOFTHSM2_CONF names it)."""
    text = (REPO_ROOT / "development.ini").read_text().replace("%(here)s/var/", f"{tmp_path}/var/")
    text = with_token(text, softhsm_token)
    path = tmp_path / "site.ini"
    path.write_text(text)
    return path


def run(ini, *args, extra=""):
    if extra:
        ini.write_text(ini.read_text().replace("opalexe.plugins.disabled =\n", f"opalexe.plugins.disabled = {extra}\n"))
    return subprocess.run([OPALEXE, "-c", str(ini), *args], capture_output=True, text=True, timeout=120)


def test_init_demo_creates_var_and_is_idempotent(ini, tmp_path):
    first = run(ini, "init", "--demo")
    assert first.returncode == 0, first.stderr
    assert "4 expertise(s) ajoutée(s)" in first.stdout
    assert (tmp_path / "var" / "Data.fs").exists()
    second = run(ini, "init", "--demo")
    assert second.returncode == 0, second.stderr
    assert "0 expertise(s) ajoutée(s)" in second.stdout


def test_plugins_lists_naming_cncej_and_its_hooks(ini):
    result = run(ini, "plugins")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("naming_cncej"))
    assert "opalexe-naming-cncej" in lines[start]
    assert lines[start + 1:start + 3] == ["    opalexe_case_name_compute", "    opalexe_case_number_normalize"]


def test_plugins_shows_a_disabled_plugin(ini):
    result = run(ini, "plugins", extra="naming_cncej")
    assert "naming_cncej  [désactivée par opalexe.plugins.disabled]" in result.stdout


def test_evolve_refuses_an_empty_database_and_reports_when_up_to_date(ini):
    refused = run(ini, "evolve")
    assert refused.returncode == 2
    assert "opalexe init" in refused.stderr
    assert run(ini, "init").returncode == 0
    result = run(ini, "evolve", "--dry-run")
    assert result.returncode == 0 and "étapes en attente : aucune" in result.stdout


def test_a_missing_config_file_is_a_clear_error(tmp_path):
    result = subprocess.run([OPALEXE, "-c", str(tmp_path / "nope.ini"), "plugins"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "fichier de configuration introuvable" in result.stderr


def test_demo_data_is_refused_in_production(tmp_path):
    ini = tmp_path / "prod.ini"
    ini.write_text((REPO_ROOT / "production.ini").read_text().replace(
        "zodbconn.uri = zconfig://%(here)s/etc/relstorage.conf#main",
        f"zodbconn.uri = file://{tmp_path}/var/Data.fs").replace(
        "opalexe.session_secret =", "opalexe.session_secret = " + secrets.token_hex(32)).replace(
        "opalexe.public_url =", "opalexe.public_url = https://opalexe.example.org"))
    result = subprocess.run([OPALEXE, "-c", str(ini), "init", "--demo"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "refusées en production" in result.stderr
    assert not (tmp_path / "var" / "Data.fs").exists()


def test_the_server_refuses_an_uninitialised_database(tmp_path):
    from opalexe_core import main
    from opalexe_core.app import DatabaseNotReady
    from pytest_opalexe.web import file_storage_uri, test_settings

    with pytest.raises(DatabaseNotReady, match="opalexe init"):
        main({}, **test_settings(file_storage_uri(tmp_path)))


def _write_schema_version(tmp_path, version: int) -> None:
    """What a newer Opalexe would leave behind in the database."""
    from opalexe_core.plugins import make_plugin_manager
    from opalexe_core.storage import open_db
    from pytest_opalexe.web import file_storage_uri, open_platform

    db = open_db(file_storage_uri(tmp_path / "var"))
    try:
        with open_platform(db, make_plugin_manager()) as platform:
            platform.root.schema_version = version
            platform.transaction.commit()
    finally:
        db.close()


def test_a_database_written_by_a_newer_opalexe_is_left_untouched(ini, tmp_path):
    from opalexe_core import main
    from opalexe_core.app import DatabaseNotReady
    from opalexe_core.evolve import SCHEMA_VERSION
    from pytest_opalexe.web import file_storage_uri, test_settings

    assert run(ini, "init").returncode == 0
    newer = SCHEMA_VERSION + 1
    _write_schema_version(tmp_path, newer)
    data_fs = tmp_path / "var" / "Data.fs"
    size = data_fs.stat().st_size  # FileStorage appends every commit: any write grows it

    for command in (["init", "--demo"], ["evolve"], ["evolve", "--dry-run"]):
        result = run(ini, *command)
        assert result.returncode == 2, (command, result.stdout)
        assert f"la base est au schéma {newer}, plus récent que celui de ce code" in result.stderr
        assert "Rien n'a été modifié." in result.stderr
    with pytest.raises(DatabaseNotReady, match="newer than the code's"):
        main({}, **test_settings(file_storage_uri(tmp_path / "var")))
    assert data_fs.stat().st_size == size


def test_init_creates_the_documents_master_key_in_the_token_once(ini, softhsm_token):
    from pkcs11 import Attribute, ObjectClass

    first = run(ini, "init")
    assert first.returncode == 0, first.stderr
    assert "Clé maîtresse des documents « opalexe-documents-master » : créée" in first.stdout
    again = run(ini, "init")
    assert "« opalexe-documents-master » : présente" in again.stdout
    with softhsm_token.open_session() as session:
        keys = [key[Attribute.EXTRACTABLE] for key in session.get_objects(
            {Attribute.LABEL: "opalexe-documents-master", Attribute.CLASS: ObjectClass.SECRET_KEY})]
    assert keys == [False]


def test_init_says_when_the_token_cannot_be_reached(ini):
    ini.write_text(re.sub(r"^opalexe\.pkcs11\.pin = .*$", "opalexe.pkcs11.pin = 0000", ini.read_text(),
                          flags=re.MULTILINE))
    result = run(ini, "init")
    assert result.returncode == 2 and "le module de clés ne répond pas" in result.stderr


def test_uploads_purge_removes_the_uploads_left_alone(ini, tmp_path):
    assert run(ini, "init").returncode == 0
    left = tmp_path / "var" / "uploads" / ("a" * 32)
    left.mkdir(parents=True)
    (left / "state").write_bytes(b"")
    os.utime(left / "state", (0, 0))
    os.utime(left, (0, 0))
    fresh = tmp_path / "var" / "uploads" / ("b" * 32)
    fresh.mkdir()
    result = run(ini, "uploads", "purge")
    assert result.returncode == 0 and "Téléversements expirés supprimés : 1." in result.stdout
    assert not left.exists() and fresh.exists()


def test_the_digest_command_needs_the_public_url_for_its_links(ini):
    assert run(ini, "init").returncode == 0
    refused = run(ini, "notifications", "digest")
    assert refused.returncode == 2 and "opalexe.public_url" in refused.stderr
    ini.write_text(ini.read_text().replace("# opalexe.public_url = http://localhost:6543",
                                           "opalexe.public_url = https://opalexe.example.org"))
    result = run(ini, "notifications", "digest")
    assert result.returncode == 0 and "Récapitulatifs envoyés : 0." in result.stdout
# -- plugins of a test's own, installed for the command's process only -----------------

FAILING_PLUGIN = '''
from opalexe_core.api import hookimpl


@hookimpl
def opalexe_event_committed(event):
    raise RuntimeError("service de notification indisponible")
'''

MEDIATOR_KEPT_OUT = '''
from opalexe_core.api import Right, RightAmendment, Role, hookimpl


@hookimpl
def opalexe_rights_matrix_amend(matrix):
    return [RightAmendment("greffe_expert_parties", Role.MEDIATEUR, Right.NONE)]
'''


def plugin_env(directory: Path, name: str, source: str) -> dict:
    """The environment that makes a command's process load the plugin
    ``name`` (``source``): a module and its distribution on PYTHONPATH."""
    site = directory / f"{name}-site"
    site.mkdir(parents=True)
    (site / f"opalexe_test_{name}.py").write_text(source)
    dist_info = site / f"opalexe_test_{name}-0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: opalexe-test-{name}\nVersion: 0\nRequires-Dist: opalexe<2,>=1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[opalexe]\n{name} = opalexe_test_{name}\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


def shell(ini, lines: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([OPALEXE, "-c", str(ini), "shell"], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, timeout=120, env=env)


CREATE_IN_SHELL = [
    "from opalexe_core.services.accounts import create_account",
    "account = create_account(platform, operator, first_name='Eva', last_name='Shell', email='{email}', "
    "profile='expert')",
    "transaction.commit()",
]


def create_in_shell(ini, email: str) -> None:
    result = shell(ini, [line.format(email=email) for line in CREATE_IN_SHELL])
    assert result.returncode == 0 and "Error" not in result.stderr, result.stderr


def test_outbox_shows_what_waits_and_delivers_it(ini, tmp_path):
    assert run(ini, "init", "--demo").returncode == 0  # init delivers the demo's events
    empty = run(ini, "outbox")
    assert empty.returncode == 0, empty.stderr
    assert "Aucun événement en attente." in empty.stdout

    create_in_shell(ini, "eva@example.test")  # the shell does not deliver: its event waits
    waiting = run(ini, "outbox")
    assert "1 événement(s) en attente ; le plus ancien : " in waiting.stdout
    assert "(account.created)" in waiting.stdout and "en échec" not in waiting.stdout

    failing = subprocess.run([OPALEXE, "-c", str(ini), "outbox", "--deliver"], capture_output=True, text=True,
                             timeout=120, env=plugin_env(tmp_path, "failing", FAILING_PLUGIN))
    assert failing.returncode == 1, failing.stderr
    assert "Distribution : 0 événement(s) distribué(s), 1 en échec" in failing.stdout
    assert "1 en échec :" in failing.stdout
    assert "1 tentative(s), prochain essai 20" in failing.stdout
    assert "dernière erreur : opalexe_event_committed:failing: RuntimeError('service de notification indisponible')" \
        in failing.stdout

    create_in_shell(ini, "ugo@example.test")
    delivered = run(ini, "outbox", "--deliver")  # the failing plugin is gone; the failed event is not due yet
    assert delivered.returncode == 0, delivered.stderr
    assert "Distribution : 1 événement(s) distribué(s), 0 en échec, 1 pas encore dû(s)" in delivered.stdout
    assert "1 événement(s) en attente" in delivered.stdout and "1 en échec :" in delivered.stdout


def test_outbox_refuses_an_empty_database(ini):
    result = run(ini, "outbox")
    assert result.returncode == 2
    assert "opalexe init" in result.stderr


MEDIATOR_READS_THE_COURT_FOLDER = [
    "from opalexe_core.services.demo import demo_email",
    "mediator = Actor(root.accounts.find_by_email(demo_email('mediateur')), operator.auth_method)",
    "case = next(case for case in root.expertises.values() if 'Tilleuls' in case.name)",
    "folder = case.folders['02-greffe-expert-parties']",
    "print('MEDIATEUR', platform.allows(mediator, 'view', folder), platform.authorizer.matrix.right("
    "'greffe_expert_parties', 'mediateur').value)",
]


def test_the_shell_platform_holds_the_plugins_rights_amendments(ini, tmp_path):
    assert run(ini, "init", "--demo").returncode == 0
    plain = shell(ini, MEDIATOR_READS_THE_COURT_FOLDER)
    assert "MEDIATEUR True read" in plain.stdout, plain.stderr
    amended = shell(ini, MEDIATOR_READS_THE_COURT_FOLDER, env=plugin_env(tmp_path, "amend", MEDIATOR_KEPT_OUT))
    assert "MEDIATEUR False none" in amended.stdout, amended.stderr
