"""Helpers for tests that drive the app: building it on a storage, logging in."""

from __future__ import annotations

import contextlib
from pathlib import Path

import webtest

import opalexe_core
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.services.demo import demo_email
from opalexe_core.storage import initialize, open_db

from .checkout import CheckoutNotFound, etc_file, templates_dir


def file_storage_uri(directory: Path) -> str:
    return f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs"


def relstorage_uri(dsn: str, blob_dir: Path) -> tuple[str, dict]:
    """The shipped ZConfig file, with the environment it reads."""
    return f"zconfig://{etc_file('relstorage.conf')}#main", {"OPALEXE_PG_DSN": dsn, "OPALEXE_BLOB_DIR": str(blob_dir)}


def test_settings(uri: str, **overrides) -> dict:
    settings = {
        "zodbconn.uri": uri,
        "opalexe.environment": "test",
        "opalexe.dev_login": "true",
        "opalexe.secure_cookies": "false",
        "opalexe.session_secret": "test-secret-" + "x" * 32,
        "pyramid.default_locale_name": "fr",
    }
    try:  # an installed copy has none beside its package (checkout.py)
        settings["opalexe.templates_dir"] = str(templates_dir())
    except CheckoutNotFound:
        pass
    settings.update(overrides)
    return settings


test_settings.__test__ = False  # a helper, not a test, wherever it is imported


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
    init_platform(settings["zodbconn.uri"], demo=demo)
    if not plugins:
        return opalexe_core.main({}, **settings)
    from opalexe_core.app import make_app as build_app
    from opalexe_core.settings import Settings

    pm = make_plugin_manager(Settings.from_ini(settings).plugins_disabled)
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
    for db in getattr(app.registry, "_zodb_databases", {}).values():
        db.close()


def browser_client(app) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost:80"})


def demo_login(client: webtest.TestApp, key: str):
    """Log in as the demo account ``key`` (``expert``, ``avocat1``…) through
    the demo login page, as a person would; returns the home page."""
    email = demo_email(key)
    page = client.get("/connexion/demo")
    for form in page.forms.values():
        if f'data-email="{email}"' in form.text:
            return form.submit().follow()
    raise AssertionError(f"no demo login button for {email}")
