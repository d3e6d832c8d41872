"""The production stack, for real: the shipped ``production.ini`` itself,
served as ``etc/systemd/opalexe@.service`` and ``etc/nginx/opalexe.conf``
describe it.

Two ``pserve production.ini socket=<path>`` processes share one
RelStorage/PostgreSQL database (``etc/relstorage.conf``), each with a blob
cache folder of its own, behind Debian's nginx running the shipped site
config over HTTPS. The database is first initialised with the console script,
as an operator would: ``opalexe -c production.ini init``.

The stack is started once for the module (a few seconds); the story that
stops a process starts it again on its port before it ends.

production.ini holds no default ``socket``: PasteDeploy never lets a
command-line variable overwrite a default written in the file
(``update_defaults(overwrite=False)`` in ``paste.deploy.loadwsgi``; see
Pylons/pyramid#2399), so with one every instance of the systemd unit would
take the same socket and only one process would start. The processes listen
on Unix sockets only (mode 0660): no other local user can reach them, and
nginx is the one way in.
"""

from __future__ import annotations

import html.parser
import os
import secrets
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from paste.deploy.loadwsgi import SERVER, loadcontext

from opalexe_core.plugins import make_plugin_manager
from opalexe_core.storage import open_db
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.infra import fresh_database
from pytest_opalexe.nginx import Answer, Nginx, https_connection, https_get, request
from pytest_opalexe.pserve import PSERVE, ServerProcess, server_env
from pytest_opalexe.web import open_platform, relstorage_uri

REPO_ROOT = checkout_root()

PRODUCTION_INI = REPO_ROOT / "production.ini"
OPALEXE = Path(sys.executable).with_name("opalexe")
PROCESSES = 2
# The same for every process, as in /etc/opalexe/env, drawn as etc/README.md says.
SESSION_SECRET = secrets.token_hex(32)
# The address visitors use, in /etc/opalexe/env too: nginx's server_name.
PUBLIC_URL = "https://opalexe.example.org"
REQUEST_SECONDS = 10
NEW_NAME = "Opalexe Cour d'appel d'Angers"

# A PostgreSQL database, `opalexe init`, two pserve processes and nginx.
pytestmark = pytest.mark.slow


@dataclass
class Stack:
    dsn: str
    journal_dsn: str
    processes: list[ServerProcess]
    site: Nginx


def operator_env(dsn: str, blob_dir: Path, journal_dsn: str) -> dict:
    """What /etc/opalexe/env holds on a host (see the systemd unit): the DSNs
    of the content's and the journal's databases, the blob cache folder,
    the session secret shared by every process and the public URL."""
    _uri, env = relstorage_uri(dsn, blob_dir, journal_dsn)
    return {**env, "OPALEXE_SESSION_SECRET": SESSION_SECRET, "OPALEXE_PUBLIC_URL": PUBLIC_URL,
            # This venv holds the demo login for the other tests; a host does not.
            "OPALEXE_PLUGINS_DISABLED": "auth_demo"}


def opalexe_init(env: dict) -> None:
    """``opalexe -c production.ini init``, run from the code's folder."""
    result = subprocess.run(
        [str(OPALEXE), "-c", str(PRODUCTION_INI), "init"],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Plateforme prête" in result.stdout


def server_conf(socket: str) -> dict:
    """What waitress is given by ``pserve production.ini socket=<path>``:
    [server:main] read by PasteDeploy with the command line's variables, as
    pserve reads it (plaster_pastedeploy's ``get_wsgi_server``)."""
    return loadcontext(SERVER, f"config:{PRODUCTION_INI}", global_conf={"socket": socket}).local_conf


def production_process(env: dict, workdir: Path, sockets: Path) -> ServerProcess:
    """One instance of opalexe@.service: ``pserve production.ini
    socket=/run/opalexe/%i.sock`` run from the code's folder, with a blob cache
    folder of its own; the socket in ``sockets`` instead of /run/opalexe."""

    def args(socket: Path) -> list[str]:
        return [str(PSERVE), str(PRODUCTION_INI), f"socket={socket}"]

    return ServerProcess(workdir, server_env(env, workdir), args, cwd=REPO_ROOT,
                         unix_socket=sockets / f"{workdir.name}.sock")


def socket_folder(parent: Path) -> Path:
    """A folder anybody may traverse (as /run/opalexe is for nginx's group):
    then only each socket's own mode keeps other users out."""
    folder = parent / "sockets"
    folder.mkdir()
    folder.chmod(0o755)
    parent.chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def stack(pg_cluster, nginx_in_front, tmp_path_factory):
    with fresh_database(pg_cluster) as dsn, fresh_database(pg_cluster) as journal_dsn:
        workdir = tmp_path_factory.mktemp("production")
        env = operator_env(dsn, workdir / "blobs", journal_dsn)
        opalexe_init(env)
        sockets = socket_folder(workdir)
        processes = [production_process(env, workdir / f"{number}", sockets) for number in range(1, PROCESSES + 1)]
        try:
            for process in processes:
                process.start()
            yield Stack(dsn, journal_dsn, processes, nginx_in_front([process.unix_socket for process in processes]))
        finally:
            for process in processes:
                process.stop()


def visit(stack: Stack, certificates, path: str) -> Answer:
    """GET ``path`` as a visitor does: through nginx, over HTTPS, without a card."""
    return https_get(stack.site, certificates, path, card=False)


class BrandParser(html.parser.HTMLParser):
    """The text of the banner's ``<a class="brand">`` (templates/layout.pt)."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.brand: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.inside = tag == "a" and ("class", "brand") in attrs

    def handle_endtag(self, tag):
        self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.brand.append(data)


def banner_of(process: ServerProcess) -> str:
    """The platform name in the banner of ``/``, asked of this process alone."""
    _status, body = process.get("/")
    parser = BrandParser()
    parser.feed(body.decode())
    return "".join(parser.brand).strip()


def rename_platform(uri: str, name: str) -> None:
    """Change the platform name in the database, from outside the processes."""
    db = open_db(uri)
    try:
        with open_platform(db, make_plugin_manager(disabled=("auth_demo",))) as platform:
            platform.root.settings.platform_name = name
            platform.transaction.commit()
    finally:
        db.close()


def set_cookie_attributes(answer: Answer, name: str) -> dict:
    """The attributes of the ``Set-Cookie`` of cookie ``name``, by lower-case name."""
    for header in answer.headers.get_all("Set-Cookie") or ():
        cookie, *attributes = (part.strip() for part in header.split(";"))
        if cookie.startswith(name + "="):
            return {key.lower(): value for key, _, value in (a.partition("=") for a in attributes)}
    raise AssertionError(f"no cookie {name} in {answer.headers.get_all('Set-Cookie')}")


# -- the stories ---------------------------------------------------------------------------


def test_each_process_listens_on_the_socket_it_is_given_and_no_port():
    sockets = ["/run/opalexe/1.sock", "/run/opalexe/2.sock"]
    confs = [server_conf(socket) for socket in sockets]

    assert [conf["unix_socket"] for conf in confs] == sockets
    assert all(conf["unix_socket_perms"] == "660" and "listen" not in conf and "port" not in conf for conf in confs)


def test_only_the_socket_s_owner_and_group_may_open_it(stack):
    """nginx's workers (group www-data on a host) may; another local user may not."""
    socket = stack.processes[0].unix_socket
    mode = os.stat(socket).st_mode

    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o660
    tried = subprocess.run(
        ["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c",
         "import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", str(socket)],
        capture_output=True, text=True, timeout=30,
    )
    assert tried.returncode != 0 and "PermissionError" in tried.stderr


def test_the_application_believes_nginx_s_headers_over_its_socket(stack, nginx_certificates):
    """nginx sends the forwarded and client-certificate headers with every
    request: over the socket (production.ini's opalexe.proxy.unix_socket) the
    application takes them; by any other way it would refuse the request."""
    answer = https_get(stack.site, nginx_certificates, "/", card=True)

    assert answer.status == 200
    assert "Bienvenue sur Opalexe" in answer.body.decode()


def test_the_home_page_through_nginx_is_the_french_home_page(stack, nginx_certificates):
    home = visit(stack, nginx_certificates, "/")

    assert home.status == 200
    assert "Bienvenue sur Opalexe" in home.body.decode()
    assert '<html lang="fr"' in home.body.decode()
    assert "max-age=63072000" in home.headers["Strict-Transport-Security"]  # nginx's header: it went through


def test_the_demo_login_does_not_exist_in_production(stack, nginx_certificates):
    demo = visit(stack, nginx_certificates, "/connexion/demo")
    login = visit(stack, nginx_certificates, "/connexion")

    assert demo.status == 404
    assert login.status == 200
    page = login.body.decode()
    assert "Quel est votre profil d'utilisateur ?" in page
    assert "/connexion/demo" not in page
    assert "Compte de démonstration" not in page


def test_production_refuses_to_start_while_the_demo_login_is_installed(stack, tmp_path):
    """The same host's settings, but auth_demo not disabled: pserve stops at
    once and says why."""
    env = operator_env(stack.dsn, tmp_path / "blobs", stack.journal_dsn)
    del env["OPALEXE_PLUGINS_DISABLED"]
    process = production_process(env, tmp_path / "refused", tmp_path)
    with pytest.raises(AssertionError, match="did not answer"):
        process.start()
    log = process.log()
    assert "the plugin auth_demo offers the development-only login 'demo', refused in production" in log
    assert "pip uninstall opalexe-auth-demo" in log


def test_the_session_cookie_is_secure_httponly_and_samesite_lax(stack, nginx_certificates):
    # Reading pages sets no cookie (tests/views/test_login.py) and production
    # has no demo login: here a visitor's first session cookie comes with a
    # form that reaches the platform without a valid CSRF token ("Formulaire
    # expiré"): the answer holds a fresh token, in the session cookie.
    connection = https_connection(stack.site, nginx_certificates, card=False)
    form = [("Origin", PUBLIC_URL), ("Content-Type", "application/x-www-form-urlencoded")]

    expired = request(connection, "/deconnexion", form, method="POST", body=b"")

    assert expired.status == 400, expired.body
    assert "Formulaire expiré" in expired.body.decode()
    cookie = set_cookie_attributes(expired, "opalexe_session")
    assert {key: cookie.get(key) for key in ("secure", "httponly", "samesite")} == {
        "secure": "",
        "httponly": "",
        "samesite": "Lax",
    }


def test_links_and_redirects_name_the_public_url(stack, nginx_certificates):
    to_login = visit(stack, nginx_certificates, "/comptes/")
    home = visit(stack, nginx_certificates, "/")

    assert to_login.status == 302
    assert to_login.headers["Location"] == f"{PUBLIC_URL}/connexion"
    assert f'href="{PUBLIC_URL}/connexion"' in home.body.decode()


def test_every_process_shows_a_name_changed_in_the_database_at_once(stack, tmp_path, monkeypatch):
    uri, env = relstorage_uri(stack.dsn, tmp_path / "blobcache", stack.journal_dsn)
    for key, value in env.items():
        monkeypatch.setenv(key, value)  # read by etc/relstorage.conf when the test opens the database
    before = [banner_of(process) for process in stack.processes]  # each process has the old name cached
    assert before == ["Opalexe"] * PROCESSES

    rename_platform(uri, NEW_NAME)
    try:
        # No wait: RelStorage polls for invalidations when a request's transaction begins.
        assert [banner_of(process) for process in stack.processes] == [NEW_NAME] * PROCESSES
    finally:
        rename_platform(uri, before[0])  # the stack is shared by the module's other stories


def test_the_platform_still_answers_through_nginx_when_one_process_stops(stack, nginx_certificates):
    stopped = stack.processes[0]
    stopped.stop()  # SIGTERM, as `systemctl stop opalexe@<port>`
    try:
        with pytest.raises(OSError):
            stopped.get("/")  # it is really gone

        answers = [visit(stack, nginx_certificates, "/") for _ in range(2 * PROCESSES)]

        assert [answer.status for answer in answers] == [200] * (2 * PROCESSES)
        assert all("Bienvenue sur Opalexe" in answer.body.decode() for answer in answers)
    finally:
        stopped.restart()  # on its socket: nginx knows it by its socket
