"""The ``opalexe`` pytest plugin (entry point ``pytest11``): fixtures shared
by the core's and the plugins' tests.

Infrastructure (PostgreSQL, SoftHSM2, SMTP sink, Chromium) comes from
:mod:`.infra`; this module adds the application on each storage:

* ``storage`` — parametrised: ``filestorage`` (ZODB FileStorage in a temp
  dir) and ``relstorage`` (the shipped ``etc/relstorage.conf`` pointed at a
  fresh database of the throwaway PostgreSQL cluster). A test that asks for
  ``app`` or ``storage`` runs once on each.
* ``durable_storage`` — the same two, RelStorage on a durable cluster of the
  test's own (``pg_durable_cluster``, its ``cluster``), for the crash tests.
* ``app`` / ``testapp`` — the WSGI app initialised with the demo data, and a
  WebTest client for it.
* ``live_app`` / ``live_server`` — the app on FileStorage served by waitress
  on a free port, for the browser tests.
* ``document_token`` / ``documents_app`` — the token with the documents'
  master key, and the app taking deposits (:mod:`.documents`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

from .checkout import ENV_VAR as CHECKOUT_ENV
from .documents import document_token, documents_app  # noqa: F401
from .infra import (  # noqa: F401
    card_authorities,
    chromium,
    mail_sink,
    nginx_certificates,
    nginx_in_front,
    page,
    pg_cluster,
    pg_database,
    pg_durable_cluster,
    pg_journal_database,
    playwright_instance,
    slapd_directory,
    softhsm_token,
)
from .liveserver import LiveServer
from .postgres import PostgresCluster
from .web import browser_client, close_app, file_storage_uri, make_app, relstorage_uri, test_settings


def pytest_addoption(parser):
    parser.addini("opalexe_checkout", "the Opalexe checkout holding etc/ and templates/ (from installed wheels)")


def pytest_configure(config):
    """The markers the fixtures put on tests, known wherever the kit is
    installed (a plugin's ``--strict-markers`` run too); the checkout named
    by the ``opalexe_checkout`` ini option, unless ``OPALEXE_CHECKOUT`` names one."""
    checkout = config.getini("opalexe_checkout")
    if checkout and not os.environ.get(CHECKOUT_ENV):
        os.environ[CHECKOUT_ENV] = str((config.rootpath / checkout).resolve())
    config.addinivalue_line("markers", "relstorage: needs the throwaway PostgreSQL cluster")
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright")
    config.addinivalue_line("markers", "slow: starts and kills server processes, more than a few seconds")


@dataclass
class Storage:
    """A storage the app can run on: its ``zodbconn.uri`` and its kind; the
    environment the ``zodbconn.uri`` reads; the PostgreSQL cluster under a
    RelStorage one, when the test owns it."""

    kind: str
    uri: str
    env: dict = field(default_factory=dict)
    cluster: PostgresCluster | None = None


@pytest.fixture(params=[pytest.param("filestorage"), pytest.param("relstorage", marks=pytest.mark.relstorage)])
def storage(request, tmp_path, monkeypatch) -> Storage:
    """Each storage in turn; the RelStorage one on a fresh PostgreSQL database."""
    if request.param == "filestorage":
        return Storage("filestorage", file_storage_uri(tmp_path / "var"))
    dsn = request.getfixturevalue("pg_database")
    # The journal's database of its own, beside the content's.
    journal_dsn = request.getfixturevalue("pg_journal_database")
    uri, env = relstorage_uri(dsn, tmp_path / "blobcache", journal_dsn)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Storage("relstorage", uri, env)


@pytest.fixture(params=[pytest.param("filestorage"), pytest.param("relstorage", marks=pytest.mark.relstorage)])
def durable_storage(request, tmp_path, monkeypatch) -> Storage:
    """Each storage in turn, durable as in production: FileStorage (it fsyncs
    each commit), and RelStorage on ``pg_durable_cluster``, a cluster of the
    test's own that the test may kill (``storage.cluster``). The cluster goes
    with its databases after the test, killed or not."""
    if request.param == "filestorage":
        return Storage("filestorage", file_storage_uri(tmp_path / "var"))
    cluster = request.getfixturevalue("pg_durable_cluster")
    cluster.create_database("opalexe")
    cluster.create_database("opalexe_journal")
    uri, env = relstorage_uri(cluster.dsn("opalexe"), tmp_path / "blobcache", cluster.dsn("opalexe_journal"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Storage("relstorage", uri, env, cluster)


@pytest.fixture
def app_settings(storage) -> dict:
    """Settings of a test app on ``storage`` (demo login on, plain cookies)."""
    return test_settings(storage.uri)


@pytest.fixture
def app(app_settings):
    """The app with the demo data, on each storage."""
    application = make_app(app_settings)
    yield application
    close_app(application)


@pytest.fixture
def testapp(app):
    """A WebTest client of ``app``, coming from 127.0.0.1."""
    return browser_client(app)


@pytest.fixture
def live_app(tmp_path):
    """The app with the demo data on FileStorage (the embedded default)."""
    application = make_app(test_settings(file_storage_uri(tmp_path / "live")))
    yield application
    close_app(application)


@pytest.fixture
def live_server(live_app):
    """``live_app`` served by waitress on 127.0.0.1 and a free port."""
    with LiveServer(live_app) as server:
        yield server
