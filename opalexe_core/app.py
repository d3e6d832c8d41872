"""Building the Pyramid application from the ini settings."""

from __future__ import annotations

import logging

from pyramid.config import Configurator
from pyramid.session import SignedCookieSessionFactory
from pyramid_mailer.interfaces import IMailer

from .journal.writer import journal_event
from .permissions import DEFAULT_PERMISSION, PUBLIC
from .plugin_services import PluginServices
from .plugins import make_plugin_manager
from .ratelimit import LoginLimiter
from .resources.root import RootMissing, get_root, request_root, root_factory
from .rights import build_rights_matrix
from .security import Authorizer, SecurityPolicy
from .services.auth import collect_providers, development_only
from .services.mail import CORE_MAIL_NAME, CoreMail
from .services.notifications import register_notifier
from .services.outbox import OutboxDispatcher
from .services.platform import utcnow
from .settings import Settings, SettingsError
from .storage import JournalNotConfigured, ensure_file_storage_dir, ensure_journal_db, journal_uri, opened

log = logging.getLogger(__name__)


class DatabaseNotReady(RuntimeError):
    """The database is empty or behind the code's schema version."""


def make_app(raw_settings: dict, pm=None):
    """The WSGI app; ``pm`` replaces the plugin manager built from the entry
    points (for embedding Opalexe, or registering a plugin object in tests)."""
    settings = Settings.from_ini(raw_settings)
    raw = dict(raw_settings)
    raw.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    # A view that answers 4xx/5xx without raising must not commit what it changed.
    raw.setdefault("tm.commit_veto", "pyramid_tm.default_commit_veto")
    raw.setdefault("retry.attempts", "3")
    # A chunk of an upload is not retried: its body would be copied first.
    raw.setdefault("retry.activate_hook", "opalexe_core.views.uploads.retry_attempts")
    raw.setdefault("pyramid.default_locale_name", "fr")
    ensure_file_storage_dir(raw.get("zodbconn.uri", ""))
    try:
        raw["zodbconn.uri.journal"] = journal_uri(raw)
    except JournalNotConfigured as error:
        raise SettingsError(str(error)) from None
    ensure_file_storage_dir(raw["zodbconn.uri.journal"])

    pm = pm or make_plugin_manager(settings.plugins_disabled)
    refuse_development_plugins(pm, settings)
    config = Configurator(settings=raw, root_factory=root_factory)
    config.registry.opalexe = settings
    config.registry.opalexe_pm = pm
    config.registry.opalexe_authorizer = Authorizer(build_rights_matrix(pm))
    config.registry.opalexe_development_logins = bool(development_only(pm, settings))
    #: In-transaction subscribers of the domain events (the journal).
    config.registry.opalexe_subscribers = [journal_event]
    #: What time it is for the services and the logins (a test may set another clock).
    config.registry.opalexe_clock = utcnow
    config.registry.opalexe_login_limiter = LoginLimiter.from_settings(settings)
    warn_unconfigured_trust(pm, settings)

    config.include("pyramid_chameleon")
    config.include(".templating")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.include("pyramid_zodbconn")
    config.include("pyramid_mailer")
    config.include(".mail")
    config.set_session_factory(
        SignedCookieSessionFactory(
            settings.session_secret,
            cookie_name="opalexe_session",
            httponly=True,
            secure=settings.secure_cookies,
            samesite="Lax",
            timeout=3600,
            reissue_time=300,
        )
    )
    config.add_request_method(request_root, "opalexe_root", reify=True)
    config.set_security_policy(SecurityPolicy(config.registry.opalexe_authorizer))
    # Secure by default: a view declared without a permission (a plugin's
    # too) is for logged-in people only; public pages say permission=PUBLIC.
    config.set_default_permission(DEFAULT_PERMISSION)
    config.set_default_csrf_options(require_csrf=True)
    config.add_translation_dirs("colander:locale/", "deform:locale/", "opalexe_core:locale/")
    config.include(".i18n")
    config.override_asset("opalexe_core:templates/", settings.templates_dir.rstrip("/") + "/")
    config.include(".proxy")
    config.include(".journal.web")
    config.include(".forms.renderer")
    config.add_static_view("static", "opalexe_core:static", cache_max_age=3600, permission=PUBLIC)
    config.add_static_view("deform-static", "deform:static", cache_max_age=3600, permission=PUBLIC)
    config.include(".actors")
    config.include(".views")
    pm.hook.opalexe_config_include(config=config, settings=settings)
    if not pm.has_plugin(CORE_MAIL_NAME):
        # The core's mail receiver, delivered committed events like any plugin.
        pm.register(CoreMail(config.registry._zodb_databases[""], config.registry.getUtility(IMailer), settings),
                    name=CORE_MAIL_NAME)
    config.registry.opalexe_outbox = OutboxDispatcher(
        config.registry._zodb_databases[""], pm, inline=settings.outbox_inline,
        sweep_seconds=settings.outbox_sweep_seconds, services=PluginServices.for_registry(config.registry),
    )
    config.registry.opalexe_notifier = register_notifier(config.registry, raw)

    config.registry.opalexe_journal = make_sequencer(config.registry, pm, settings)

    app = config.make_wsgi_app()
    try:
        check_database(app.registry)
    except DatabaseNotReady:
        for db in app.registry._zodb_databases.values():
            db.close()  # release the FileStorage lock: the operator runs `opalexe init`/`evolve` next
        raise
    app.registry.opalexe_outbox.start()
    app.registry.opalexe_journal.start()
    return app


def make_sequencer(registry, pm, settings: Settings):
    """The journal's sequencer on the journal database, with the token's
    key when one is configured (heads and evidences are then signed)."""
    from datetime import timedelta

    from .journal.sequencer import Sequencer
    from .journal.signer import Signer

    databases = registry._zodb_databases

    def platform_name() -> str:
        with opened(databases[""]) as (zodb_root, _manager):
            try:
                return get_root(zodb_root).settings.platform_name
            except (RootMissing, AttributeError):
                return "Opalexe"

    return Sequencer(databases["journal"], pm=pm, signer=Signer.from_settings(settings),
                     sign_interval=timedelta(seconds=settings.journal_sign_seconds),
                     interval_seconds=settings.journal_sequence_seconds, platform_name=platform_name)


def refuse_development_plugins(pm, settings: Settings) -> None:
    """Production does not start while a development-only login is installed."""
    if settings.environment != "production":
        return
    offending = development_only(pm, settings)
    if offending:
        dists = {pm.get_name(plugin): dist.project_name for plugin, dist in pm.list_plugin_distinfo()}
        plugin, provider = offending[0]
        raise SettingsError(
            f"the plugin {plugin} offers the development-only login {provider.id!r}, refused in production: "
            f"uninstall it (pip uninstall {dists.get(plugin, plugin)}) or name it in opalexe.plugins.disabled"
        )


def warn_unconfigured_trust(pm, settings: Settings) -> None:
    """A card provider whose trust store is not configured refuses every login:
    say so at start-up, not only at the first refused card."""
    for plugin, provider in collect_providers(pm, settings):
        if provider.certificate_trust and provider.certificate_trust not in settings.trust_stores:
            log.error("plugin %s offers %r, which checks certificates against the trust store %r: it is not "
                      "configured (opalexe.trust.%s.ca_bundle and .crl), every login with it is refused",
                      plugin, provider.id, provider.certificate_trust, provider.certificate_trust)


def check_database(registry) -> None:
    """Refuse to serve a database that was not initialised or evolved."""
    from .evolve import SCHEMA_VERSION

    with opened(registry._zodb_databases[""]) as (zodb_root, _):
        try:
            version = get_root(zodb_root).schema_version
        except RootMissing:
            raise DatabaseNotReady("the database holds no Opalexe platform: run `opalexe init` first") from None
    if version < SCHEMA_VERSION:
        raise DatabaseNotReady(
            f"database schema {version} is older than the code's {SCHEMA_VERSION}: run `opalexe evolve` first"
        )
    if version > SCHEMA_VERSION:
        raise DatabaseNotReady(
            f"database schema {version} is newer than the code's {SCHEMA_VERSION}: upgrade Opalexe first"
        )
    if ensure_journal_db(registry._zodb_databases["journal"]):
        log.info("opalexe: journal created in its database")
    log.info("opalexe: database at schema %s", SCHEMA_VERSION)
