"""pytest fixtures for the real components: PostgreSQL, SoftHSM, SMTP, chromium.

Load with ``-p opalexe_core.testing.infra`` (or from the project's pytest
plugin). A fixture whose system package is missing fails, naming the apt
package to install: these components are part of the test environment,
so a silent skip would hide a broken setup.
"""

import uuid

import pytest

from .browser import launch_chromium
from .errors import MissingBinaryError
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
def pg_database(pg_cluster):
    """A fresh, uniquely named database in ``pg_cluster``; yields its DSN string.

    The DSN (``host=127.0.0.1 port=N user=postgres dbname=X``) suits both
    ``psycopg2.connect`` and ``relstorage.adapters.postgresql.PostgreSQLAdapter``.
    The database is dropped after the test, even with connections still open.
    """
    name = f"test_{uuid.uuid4().hex[:16]}"
    pg_cluster.create_database(name)
    try:
        yield pg_cluster.dsn(name)
    finally:
        pg_cluster.drop_database(name)


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
