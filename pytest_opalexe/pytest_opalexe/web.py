"""Helpers for tests that drive the app: building it on a storage, logging in."""

from __future__ import annotations

import contextlib
import urllib.parse
from pathlib import Path

import webtest

import opalexe_core
from opalexe_core.plugins import installed_plugin_names, make_plugin_manager
from opalexe_core.resources.root import get_root
from opalexe_core.services.demo import demo_email
from opalexe_core.services.platform import Platform
from opalexe_core.settings import Settings
from opalexe_core.storage import initialize, open_db, opened

from .checkout import CheckoutNotFound, etc_file, templates_dir


def file_storage_uri(directory: Path) -> str:
    return f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs"


def relstorage_uri(dsn: str, blob_dir: Path, journal_dsn: str | None = None) -> tuple[str, dict]:
    """The shipped ZConfig file, with the environment it reads; with
    ``journal_dsn`` (a database of its own), the environment of the
    journal's (``etc/journal.conf``, see :func:`journal_relstorage_uri`)."""
    env = {"OPALEXE_PG_DSN": dsn, "OPALEXE_BLOB_DIR": str(blob_dir)}
    if journal_dsn is not None:
        env["OPALEXE_JOURNAL_PG_DSN"] = journal_dsn
    return f"zconfig://{etc_file('relstorage.conf')}#main", env


def journal_relstorage_uri() -> str:
    """The journal's RelStorage database: the shipped ``etc/journal.conf``,
    which reads ``OPALEXE_JOURNAL_PG_DSN``."""
    return f"zconfig://{etc_file('journal.conf')}#journal"


#: The installed plugins a test app loads unless told otherwise: the demo
#: login only, so that the core's tests see the core's own defaults (its case
#: names, its folder tree) whatever else is installed.
DEFAULT_PLUGINS = ("auth_demo",)


def disabled_except(plugins) -> str:
    """``opalexe.plugins.disabled`` naming every installed plugin but ``plugins``."""
    return " ".join(name for name in installed_plugin_names() if name not in set(plugins))


def test_settings(uri: str, plugins=DEFAULT_PLUGINS, **overrides) -> dict:
    """Settings of a test app on ``uri``. Of the installed plugins, only
    ``plugins`` are loaded. Events are delivered right after each commit, by
    the request's thread, and no sweeper thread runs (a test calls
    ``app.registry.opalexe_outbox.deliver()`` when it needs one)."""
    settings = {
        "zodbconn.uri": uri,
        # No sequencer thread: a test seals with app.registry.opalexe_journal.run().
        "opalexe.journal.sequence_seconds": "0",
        "opalexe.environment": "test",
        "opalexe.secure_cookies": "false",
        "opalexe.session_secret": "test-secret-" + "x" * 32,
        "opalexe.plugins.disabled": disabled_except(plugins),
        "opalexe.outbox.inline": "true",
        "opalexe.outbox.sweep_seconds": "0",
        "pyramid.default_locale_name": "fr",
    }
    try:  # an installed copy has none beside its package (checkout.py)
        settings["opalexe.templates_dir"] = str(templates_dir())
    except CheckoutNotFound:
        pass
    if uri.startswith("zconfig://") and uri.endswith("relstorage.conf#main"):
        settings["zodbconn.uri.journal"] = journal_relstorage_uri()
    settings.update(overrides)
    return settings


test_settings.__test__ = False  # a helper, not a test, wherever it is imported


def token_settings(token) -> dict:
    """The settings naming the token of the ``softhsm_token`` fixture (a
    :class:`~pytest_opalexe.softhsm.SoftHSMToken`), to merge into
    :func:`test_settings`: ``test_settings(uri, **token_settings(token))``."""
    return {"opalexe.pkcs11.module": token.module_path, "opalexe.pkcs11.token_label": token.label,
            "opalexe.pkcs11.pin": token.pin}


def init_platform(uri: str, demo: bool = True, disabled: tuple[str, ...] = ()) -> dict:
    """Initialise the database at ``uri`` the way ``opalexe init`` does."""
    db = open_db(uri)
    try:
        return initialize(db, make_plugin_manager(disabled), demo=demo)
    finally:
        db.close()


def make_app(settings: dict, demo: bool = True, plugins: dict | None = None):
    """Initialise the database (with the demo data unless ``demo`` is false)
    and build the app. ``plugins`` (name → plugin object) are registered
    beside the installed ones: a test's own plugin, e.g. a page of its own."""
    disabled = Settings.from_ini(settings).plugins_disabled
    init_platform(settings["zodbconn.uri"], demo=demo, disabled=disabled)
    if not plugins:
        return opalexe_core.main({}, **settings)
    from opalexe_core.app import make_app as build_app

    pm = make_plugin_manager(disabled)
    for name, plugin in plugins.items():
        pm.register(plugin, name=name)
    return build_app(settings, pm=pm)


@contextlib.contextmanager
def running_app(settings: dict, demo: bool = True, plugins: dict | None = None):
    """:func:`make_app` for the length of a ``with`` block; closed after."""
    app = make_app(settings, demo=demo, plugins=plugins)
    try:
        yield app
    finally:
        close_app(app)


def close_app(app) -> None:
    outbox = getattr(app.registry, "opalexe_outbox", None)
    if outbox is not None:
        outbox.stop()
    journal = getattr(app.registry, "opalexe_journal", None)
    if journal is not None:
        journal.stop()
    for db in getattr(app.registry, "_zodb_databases", {}).values():
        db.close()


@contextlib.contextmanager
def open_platform(db, pm, **platform_options):
    """The platform stored in ``db``, outside any request: the one way a test
    reaches the platform's root to look at or change its data. Yields a
    :class:`~opalexe_core.services.platform.Platform` (``platform.root``, and
    the services' rights with ``pm``'s amendments) on a connection of its
    own, with ``platform.transaction``, the manager to commit; what is not
    committed is aborted."""
    with opened(db) as (zodb_root, manager):
        platform = Platform.offline(get_root(zodb_root), pm, **platform_options)
        platform.transaction = manager
        yield platform


@contextlib.contextmanager
def platform_of(app):
    """:func:`open_platform` on the database of ``app``, with its plugins,
    settings and outbox: events a test emits are delivered after its commit,
    as they would be after a request's."""
    registry = app.registry
    with open_platform(registry._zodb_databases[""], registry.opalexe_pm, settings=registry.opalexe,
                       dispatcher=registry.opalexe_outbox,
                       subscribers=registry.opalexe_subscribers) as platform:
        yield platform


def browser_client(app) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost:80"})


#: What waitress puts in the environ of a request that came over its Unix socket.
OVER_SOCKET = {"REMOTE_ADDR": "localhost", "REMOTE_PORT": "None"}


def behind_nginx(app, card=None, client_address: str = "192.0.2.10") -> webtest.TestApp:
    """A WebTest client whose requests reach ``app`` as nginx's do: over the
    Unix socket (the app needs ``opalexe.proxy.unix_socket = true``), with
    the visitor's address and scheme, and the certificate of ``card`` (a
    :class:`~pytest_opalexe.pki.Card`, or a PEM string) as nginx forwards it."""
    headers = {"X-Forwarded-For": client_address, "X-Forwarded-Proto": "https", "X-SSL-Client-Verify": "NONE"}
    if card is not None:
        pem = card if isinstance(card, str) else card.pem
        headers.update({"X-SSL-Client-Cert": urllib.parse.quote(pem), "X-SSL-Client-Verify": "FAILED:unknown CA"})
    environ = {**OVER_SOCKET, "HTTP_HOST": "opalexe.example.org"}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()})
    return webtest.TestApp(app, extra_environ=environ)


def card_login(client: webtest.TestApp, page_path: str, **submit):
    """Open a card provider's page (``/connexion/carte-expert``…) and press
    « Continuer »: the answer of the core's login address (``submit``:
    WebTest's options, e.g. ``expect_errors=True``)."""
    page = client.get(page_path)
    return page.forms[0].submit(**submit)


def check_boxes(form, values, name: str = "checkbox") -> None:
    """Check the boxes of a Deform checkbox choice whose values are ``values``
    (Deform names every box ``checkbox``), and uncheck the others."""
    for field in form.fields.get(name, ()):
        field.checked = field._value in set(values)


def demo_login(client: webtest.TestApp, key: str):
    """Log in as the demo account ``key`` (``expert``, ``avocat1``…) through
    the demo login page, as a person would; returns the home page."""
    email = demo_email(key)
    page = client.get("/connexion/demo")
    for form in page.forms.values():
        if f'data-email="{email}"' in form.text:
            return form.submit().follow()
    raise AssertionError(f"no demo login button for {email}")
