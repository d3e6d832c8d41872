"""pytest fixtures for the real components: PostgreSQL, SoftHSM, SMTP, nginx,
chromium.

Load with ``-p pytest_opalexe.infra`` (or from the project's pytest
plugin). A fixture whose system package is missing fails, naming the apt
package to install: these components are part of the test environment,
so a silent skip would hide a broken setup.
"""

import contextlib
import uuid
from collections.abc import Sequence

import pytest

from .browser import launch_chromium
from .errors import MissingBinaryError
from .ldap import Slapd
from .nginx import SERVER_NAME, Nginx, Upstream, make_certificates
from .pki import make_card_authorities
from .postgres import PostgresCluster
from .smtp import MailSink
from .softhsm import SoftHSMToken

BROWSER_LOCALE = "fr-FR"


def _start(component: str, start):
    """Call ``start()``; a missing system package becomes a readable failure."""
    try:
        return start()
    except MissingBinaryError as error:
        message = f"{component}: {error}"
    pytest.fail(message, pytrace=False)  # outside `except`: no chained traceback


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster (``PostgresCluster``) for the whole run.

    Listens on 127.0.0.1 on an OS-chosen port, superuser ``postgres``,
    trust authentication. Prefer ``pg_database`` for a per-test database.
    """
    cluster = _start("PostgreSQL", PostgresCluster().start)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_durable_cluster():
    """A PostgreSQL cluster of the test's own, durable as in production:
    fsync, full_page_writes and synchronous_commit on (``pg_cluster`` has
    them off). For the tests that crash it with ``kill()`` and bring it back
    with ``start_again()``; removed after the test."""
    cluster = _start("PostgreSQL", PostgresCluster(durable=True).start)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_database(pg_cluster):
    """A fresh, uniquely named database in ``pg_cluster``; yields its DSN string.

    The DSN (``host=127.0.0.1 port=N user=postgres dbname=X``) suits both
    ``psycopg2.connect`` and ``relstorage.adapters.postgresql.PostgreSQLAdapter``.
    The database is dropped after the test, even with connections still open.
    """
    with fresh_database(pg_cluster) as dsn:
        yield dsn


@pytest.fixture
def pg_journal_database(pg_cluster):
    """A second fresh database of ``pg_cluster``, for the journal's
    database of its own (the ``storage`` fixture's RelStorage variant)."""
    with fresh_database(pg_cluster) as dsn:
        yield dsn


@contextlib.contextmanager
def fresh_database(cluster):
    """A fresh, uniquely named database in ``cluster``, dropped on exit; yields
    its DSN. What ``pg_database`` gives a test, for a fixture of a wider scope
    (``pg_cluster`` is per session): ``with fresh_database(pg_cluster) as dsn``."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    cluster.create_database(name)
    try:
        yield cluster.dsn(name)
    finally:
        cluster.drop_database(name)


@pytest.fixture
def softhsm_token():
    """An initialized SoftHSM token (``SoftHSMToken``), fresh for each test.

    ``SOFTHSM2_CONF`` points at it during the test; use ``module_path``,
    ``label`` and ``pin``, or ``open_session()`` for a logged-in rw session.
    """
    token = _start("SoftHSM", SoftHSMToken().start)
    try:
        yield token
    finally:
        token.stop()


@pytest.fixture
def mail_sink():
    """A local SMTP server (``MailSink``) collecting every message it receives.

    Point the mailer at ``mail_sink.host`` / ``mail_sink.port``; read
    ``mail_sink.messages`` or wait with ``mail_sink.wait_for(count)``.
    """
    with MailSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def playwright_instance():
    """The synchronous Playwright driver, started once per run.

    Once started, it keeps an asyncio loop marked as running in the main
    thread until the end of the session: ``asyncio.run()`` in later tests
    raises "cannot be called from a running event loop". Run asyncio code
    in its own thread (as ``MailSink`` does).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    """Debian's headless chromium (a Playwright ``Browser``), shared by the run."""
    browser = _start("chromium", lambda: launch_chromium(playwright_instance))
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(chromium):
    """A Playwright ``Page`` in a fresh browser context with locale fr-FR.

    Cookies and storage do not leak between tests: the context is closed
    after each one.
    """
    context = chromium.new_context(locale=BROWSER_LOCALE)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def nginx_certificates(tmp_path_factory):
    """Throwaway TLS material (:class:`.nginx.Certificates`): the site's
    certificate from a site CA, and a card from another CA that nginx does
    not know, as a card provider's would be."""
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="module")
def nginx_in_front(tmp_path_factory, nginx_certificates):
    """Start Debian's nginx with the shipped ``etc/nginx/opalexe.conf`` in
    front of a local port or Unix socket: ``nginx_in_front(upstream, static_dir=None)``
    returns the started :class:`.nginx.Nginx` (its ``https_port`` and
    ``http_port``). ``upstream`` is a port or a socket path (a ``Path``), or a
    list of them (up to the four of the shipped pool): nginx then spreads the requests over them, as over
    the production processes. ``static_dir`` holds ``static/`` and
    ``deform-static/``; empty ones are made when it is None. Every nginx
    started is stopped at the end of the test module."""
    started = []

    def start(upstream: Upstream | Sequence[Upstream], static_dir=None, server_name: str = SERVER_NAME) -> Nginx:
        if static_dir is None:
            static_dir = tmp_path_factory.mktemp("srv")
            (static_dir / "static").mkdir()
            (static_dir / "deform-static").mkdir()

        def launch():
            server = Nginx(tmp_path_factory.mktemp("nginx"), nginx_certificates, static_dir, upstream, server_name)
            started.append(server)
            return server.start()

        return _start("nginx", launch)

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def card_authorities(tmp_path_factory):
    """Throwaway card authorities (:class:`.pki.CardAuthorities`), one per card
    provider (``certeurope``, ``justice``, ``rpva``) and a ``stranger`` nobody
    trusts: each a root and an issuing CA with their CRLs;
    ``card_authorities.settings()`` are the ini keys of the three trust stores."""
    return make_card_authorities(tmp_path_factory.mktemp("card-authorities"))


@pytest.fixture
def slapd_directory(tmp_path_factory):
    """Start Debian's slapd on 127.0.0.1 with a small directory:
    ``slapd_directory(ldif)`` returns the started :class:`.ldap.Slapd` (its
    ``url``, ``settings()`` for the plugin auth_justice, ``stop()`` and
    ``start()`` again). ``ldif`` holds the entries below the base ones
    (:func:`.ldap.agent_entry`, :func:`.ldap.court_entry`). Stopped after the test."""
    started = []

    def start(ldif: str = ""):
        def launch():
            server = Slapd(tmp_path_factory.mktemp("slapd"), ldif)
            started.append(server)
            return server.start()

        return _start("slapd", launch)

    yield start
    for server in started:
        server.stop()
