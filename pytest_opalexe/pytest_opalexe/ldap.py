"""A throwaway OpenLDAP server (Debian's slapd) with a small directory, as the
ministry's: agents (``inetOrgPerson``) and courts (``organizationalUnit``).

:class:`Slapd` writes a ``slapd.conf`` (schemas core, cosine, inetorgperson;
an MDB database under a temp folder), loads the LDIF it is given with
``slapadd`` before the first start, and runs slapd in the foreground on
127.0.0.1 and a free port. ``stop()`` and ``start()`` again (same port, same
data) let a test see the directory go away and come back. Fixture:
``slapd_directory`` in :mod:`.infra`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .errors import MissingBinaryError
from .ports import LOOPBACK, free_port

SCHEMAS = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
START_SECONDS = 10

SUFFIX = "dc=justice,dc=fr"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret-for-tests"
AGENTS_BASE = f"ou=agents,{SUFFIX}"
COURTS_BASE = f"ou=juridictions,{SUFFIX}"


def _find(binary: str) -> str:
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/local/sbin")
    if path is None or not (SCHEMAS / "inetorgperson.schema").exists():
        raise MissingBinaryError(binary, "slapd")
    return path


def agent_entry(uid: str, given_name: str, surname: str, *, role: str, court: str, mail: str) -> str:
    """The LDIF of one agent: ``role`` (``magistrat`` or ``greffier``) in
    ``employeeType``, its court's code in ``departmentNumber``."""
    return f"""dn: uid={uid},{AGENTS_BASE}
objectClass: inetOrgPerson
uid: {uid}
cn: {given_name} {surname}
givenName: {given_name}
sn: {surname}
mail: {mail}
employeeType: {role}
departmentNumber: {court}

"""


def court_entry(code: str, name: str, structural_email: str) -> str:
    """The LDIF of one court, with the structural address of its expertise
    service in ``mail``."""
    return f"""dn: ou={code},{COURTS_BASE}
objectClass: organizationalUnit
objectClass: extensibleObject
ou: {code}
description: {name}
mail: {structural_email}

"""


def base_ldif() -> str:
    return f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: justice
o: Ministère de la Justice (test)

dn: {AGENTS_BASE}
objectClass: organizationalUnit
ou: agents

dn: {COURTS_BASE}
objectClass: organizationalUnit
ou: juridictions

"""


class Slapd:
    """slapd serving ``ldif`` (added to :func:`base_ldif`) under ``directory``."""

    def __init__(self, directory: Path, ldif: str = ""):
        self.slapd = _find("slapd")
        self.slapadd = _find("slapadd")
        self.directory = directory
        self.data = directory / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.conf = directory / "slapd.conf"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = directory / "slapd.log"
        self.conf.write_text(
            f"""include {SCHEMAS}/core.schema
include {SCHEMAS}/cosine.schema
include {SCHEMAS}/inetorgperson.schema
modulepath {MODULES}
moduleload back_mdb
pidfile {directory}/slapd.pid
database mdb
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {self.data}
maxsize 10485760
index uid eq
index ou eq
"""
        )
        (directory / "data.ldif").write_text(base_ldif() + ldif)
        loaded = subprocess.run([self.slapadd, "-f", str(self.conf), "-l", str(directory / "data.ldif")],
                                capture_output=True, text=True, timeout=60)
        if loaded.returncode != 0:
            raise RuntimeError(f"slapadd failed: {loaded.stderr}")

    @property
    def url(self) -> str:
        return f"ldap://{LOOPBACK}:{self.port}"

    def settings(self, plugin: str = "auth_justice") -> dict:
        """The ini keys that point the plugin ``auth_justice`` at this directory."""
        prefix = f"opalexe.plugin.{plugin}."
        return {prefix + "ldap_url": self.url, prefix + "bind_dn": ADMIN_DN, prefix + "bind_password": ADMIN_PASSWORD,
                prefix + "agents_base": AGENTS_BASE, prefix + "courts_base": COURTS_BASE,
                prefix + "timeout": "2"}

    def start(self) -> Slapd:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.slapd, "-f", str(self.conf), "-h", f"{self.url}/", "-d", "0"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"slapd did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
