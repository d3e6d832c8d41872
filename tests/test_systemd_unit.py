"""The shipped systemd unit (etc/systemd/opalexe@.service) is checked by
systemd itself, and agrees with the nginx pool and production.ini.

``systemd-analyze verify`` loads the unit as systemd would and reports unknown
keys and unparsable values on stderr, but exits 0 even then: the test reads
stderr. The unit is a template, so it is verified through an instance
(``opalexe@1.service``, a link to it, as ``systemctl enable`` makes).
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.errors import MissingBinaryError

REPO_ROOT = checkout_root()
UNIT = REPO_ROOT / "etc" / "systemd" / "opalexe@.service"
SITE_CONF = REPO_ROOT / "etc" / "nginx" / "opalexe.conf"
PRODUCTION_INI = REPO_ROOT / "production.ini"
INSTANCE = "opalexe@1.service"
TMPFILES = REPO_ROOT / "etc" / "tmpfiles.d" / "opalexe.conf"


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze") or shutil.which("systemd-analyze", path="/usr/bin:/bin")
    if path is None:
        pytest.fail(f"systemd: {MissingBinaryError('systemd-analyze', 'systemd')}", pytrace=False)
    return path


def verify(systemd_analyze: str, unit_text: str, folder: Path) -> subprocess.CompletedProcess:
    """``systemd-analyze verify`` on an instance of the unit written in ``folder``."""
    (folder / UNIT.name).write_text(unit_text)
    (folder / INSTANCE).symlink_to(UNIT.name)
    return subprocess.run(
        [systemd_analyze, "verify", str(folder / INSTANCE)], capture_output=True, text=True, timeout=60
    )


def unit_lines() -> list[str]:
    """The unit's lines, continuation lines (ending in a backslash) joined."""
    return UNIT.read_text().replace("\\\n", " ").splitlines()


def exec_start() -> list[str]:
    [line] = [line for line in unit_lines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


# -- systemd reads it without a warning -------------------------------------------------


def test_systemd_reads_the_shipped_unit_without_a_warning(systemd_analyze, tmp_path):
    verified = verify(systemd_analyze, UNIT.read_text(), tmp_path)

    assert verified.stderr == ""
    assert verified.returncode == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("Type=simple\n", "Type=simple\nFooBar=yes\n"), "Unknown key 'FooBar' in section [Service]"),
        (("Type=simple\n", "Type=simpel\n"), "Failed to parse service type"),
    ],
    ids=["unknown-key", "bad-value"],
)
def test_the_check_catches_a_broken_unit(systemd_analyze, tmp_path, change, expected):
    old, new = change
    assert old in UNIT.read_text()
    broken = UNIT.read_text().replace(old, new)

    verified = verify(systemd_analyze, broken, tmp_path)

    assert expected in verified.stderr


# -- it agrees with nginx and production.ini ------------------------------------------------


def test_the_enabled_instances_are_the_nginx_pool_and_production_ini_leaves_the_socket_to_them():
    [enable] = [line for line in unit_lines() if "systemctl enable --now" in line]
    instances = [int(number) for number in re.findall(r"opalexe@(\d+)", enable)]
    upstreams = re.findall(r"^upstream (\w+) \{(.*?)^\}", SITE_CONF.read_text(), re.MULTILINE | re.DOTALL)
    pools = {name: [int(number) for number in re.findall(r"^\s*server unix:/run/opalexe/(\d+)\.sock;", body,
                                                          re.MULTILINE)]
             for name, body in upstreams}
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(PRODUCTION_INI)

    assert instances, "no `systemctl enable --now opalexe@N …` line in the unit"
    assert set(pools) == {"opalexe", "opalexe_uploads"}  # every request, and the chunks of uploads
    assert all(pool == instances for pool in pools.values())
    # A default written in the ini would win over each instance's socket=….
    assert "socket" not in ini.defaults()
    assert ini["server:main"]["unix_socket"] == "%(socket)s"
    assert ini["server:main"]["unix_socket_perms"] == "660"
    assert "listen" not in ini["server:main"]  # no port: no local process can reach it by TCP


def test_each_instance_runs_pserve_on_production_ini_with_its_own_socket():
    command = exec_start()
    pserve = next(index for index, word in enumerate(command) if Path(word).name == "pserve")

    assert [Path(command[pserve + 1]).name, *command[pserve + 2 :]] == ["production.ini",
                                                                         "socket=/run/opalexe/%i.sock"]
    # Each instance its own blob cache folder (etc/relstorage.conf: never shared).
    assert "OPALEXE_BLOB_DIR=${OPALEXE_BLOB_DIR}/%i" in command[:pserve]


def test_the_sockets_folder_belongs_to_nginx_s_group_and_the_unit_may_write_it():
    """The socket's mode (0660) keeps out users outside the group; the
    folder's setgid bit gives each socket nginx's group, and keeps everyone
    else from even reaching it."""
    [entry] = [line.split() for line in TMPFILES.read_text().splitlines() if line and not line.startswith("#")]

    assert entry == ["d", "/run/opalexe", "2750", "opalexe", "www-data", "-"]
    assert "ReadWritePaths=/run/opalexe" in unit_lines()
