"""What the platform lends a plugin that must keep state, send mail or build
links: :class:`PluginServices`, part of the plugin contract
(:mod:`opalexe_core.api`).

A plugin never reaches the core's resources; it gets a services object:

* in its own views, from ``api.plugin_services(request)``;
* in the hooks that are called during a request (``opalexe_credentials_get``,
  ``opalexe_identity_get``), as their ``services`` argument;
* in the event hooks (``opalexe_event_committed``…), called after commit by
  the outbox outside any request, as their ``services`` argument.

Storage: each plugin has one area (:class:`~opalexe_core.resources.plugin_areas.PluginArea`,
named BTrees of plain data), reached two ways:

* :meth:`PluginServices.area`: in the *request's* transaction, committed
  with the request's change and rolled back with it (a login refused, a
  form refused);
* :meth:`PluginServices.change`: in a transaction *of its own*, committed
  before it returns, whatever becomes of the request: what must be kept
  even when the request is refused (counters of failed attempts), and
  every change an event hook makes (there is no request then).

Mail: :attr:`PluginServices.mailer` is pyramid_mailer's. In a request,
:meth:`PluginServices.send_after_commit` sends a message once the request's
change is committed, never for a rolled-back one, and an SMTP server that
fails then is logged, not turned into an error page over a committed change
(the person asks again: « Renvoyer le code »). What must arrive whatever
happens rides on the outbox: in an event hook, ``mailer.send_immediately
(message)``, then record that it went (the hook is called again if it
fails: at least once).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from ZODB.POSException import ConflictError

from .contract import AccountFacts, SoftwareCertificateFacts
from .resources.plugin_areas import PluginArea, check_name
from .resources.root import get_root
from .storage import opened

T = TypeVar("T")

log = logging.getLogger(__name__)

#: How many times :meth:`PluginServices.change` runs its function when the
#: commit meets a concurrent change of the same records.
CHANGE_ATTEMPTS = 5

#: Where links point without ``opalexe.public_url`` (development and tests,
#: outside a request): set the public URL for links that work elsewhere.
FALLBACK_URL = "http://localhost"


class ServicesUnavailable(RuntimeError):
    """What was asked needs what this services object lacks (a request, a mailer)."""


class PluginServices:
    """Storage, mail, links and accounts for one plugin call.

    ``settings``: the platform's typed settings; ``mailer``: see the module's
    docstring; ``request``: ``None`` outside a request (event hooks)."""

    def __init__(self, *, db, settings, mailer=None, request=None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self._db = db
        self.settings = settings
        self.mailer = mailer
        self.request = request
        self._clock = clock

    @classmethod
    def for_registry(cls, registry) -> PluginServices:
        """Outside a request (the outbox's event hooks)."""
        from pyramid_mailer.interfaces import IMailer

        return cls(db=registry._zodb_databases[""], settings=registry.opalexe,
                   mailer=registry.queryUtility(IMailer))

    @classmethod
    def for_request(cls, request) -> PluginServices:
        from pyramid_mailer import get_mailer

        registry = request.registry
        return cls(db=registry._zodb_databases[""], settings=registry.opalexe, mailer=get_mailer(request),
                   request=request)

    def now(self) -> datetime:
        return self._clock()

    @property
    def platform_name(self) -> str:
        """The platform's name as its administrator set it (« Paramètres »)."""
        if self.request is not None:
            return self.request.opalexe_root.settings.platform_name
        with opened(self._db) as (zodb_root, _manager):
            return get_root(zodb_root).settings.platform_name

    # -- storage ------------------------------------------------------------------------

    def area(self, plugin: str) -> PluginArea:
        """``plugin``'s area in the request's transaction (see the module's
        docstring); made the first time. A page that only reads uses
        :meth:`peek` and ``area.peek(tree)``, which never write."""
        if self.request is None:
            raise ServicesUnavailable("area() needs a request: an event hook uses change()")
        return self.request.opalexe_root.plugin_areas.area(check_name(plugin, "a plugin name"))

    def peek(self, plugin: str) -> PluginArea | None:
        """``plugin``'s area to read in the request, or ``None`` before its first change."""
        if self.request is None:
            raise ServicesUnavailable("peek() needs a request: an event hook uses change()")
        return self.request.opalexe_root.plugin_areas.get(plugin)

    def change(self, plugin: str, function: Callable[[PluginArea], T]) -> T:
        """Run ``function(area)`` on ``plugin``'s area in a transaction of its
        own and commit it; returns what ``function`` returned. Run again (up
        to :data:`CHANGE_ATTEMPTS` times) when the commit conflicts with a
        concurrent change, so ``function`` must change nothing but the area.
        An exception aborts the change and propagates.

        In a request, use it for what a *refused* request must keep (a
        failure counted): a request that goes on to commit and has changed
        the same records in its own transaction conflicts with it, and is
        retried from its start, calling ``change`` again."""
        check_name(plugin, "a plugin name")
        for attempt in range(1, CHANGE_ATTEMPTS + 1):
            with opened(self._db) as (zodb_root, manager):
                manager.begin()
                result = function(get_root(zodb_root).plugin_areas.area(plugin))
                manager.get().note(f"plugin area {plugin}")
                try:
                    manager.commit()
                except ConflictError:
                    if attempt == CHANGE_ATTEMPTS:
                        raise
                    continue
                return result
        raise AssertionError("unreachable")

    # -- mail ----------------------------------------------------------------------------

    def send_after_commit(self, message) -> None:
        """Send ``message`` (a ``pyramid_mailer.message.Message``) after the
        request's transaction commits; nothing if it is rolled back."""
        if self.request is None:
            raise ServicesUnavailable("send_after_commit() needs a request: an event hook sends immediately")
        from pyramid_mailer.interfaces import IMailer

        mailer = self.request.registry.getUtility(IMailer)

        def send(committed: bool) -> None:
            if not committed:
                return
            try:
                mailer.send_immediately(message)
            except Exception:
                log.exception("mail to %s not sent after commit", ", ".join(message.recipients or ()))

        self.request.tm.get().addAfterCommitHook(send)

    # -- links ---------------------------------------------------------------------------

    def url(self, *segments: str, query: dict | None = None) -> str:
        """The absolute address of the platform's path ``segments``: from
        ``opalexe.public_url``; in a request without one, from the request;
        otherwise :data:`FALLBACK_URL`."""
        path = "/".join(urllib.parse.quote(segment, safe="") for segment in segments)
        if self.settings.public_url is not None:
            base = str(self.settings.public_url)
        elif self.request is not None:
            base = self.request.application_url
        else:
            base = FALLBACK_URL
        address = f"{base.rstrip('/')}/{path}"
        return f"{address}?{urllib.parse.urlencode(query)}" if query else address

    # -- accounts (read-only facts) -------------------------------------------------------

    def find_account(self, email: str) -> AccountFacts | None:
        """The account holding ``email`` (in the request's view of the database)."""
        account = self._accounts().find_by_email(email)
        return account.facts() if account is not None else None

    def account(self, account_id: str) -> AccountFacts | None:
        account = self._accounts().get(account_id)
        return account.facts() if account is not None else None

    def software_certificate(self, fingerprint_sha256: str) -> SoftwareCertificateFacts | None:
        """The record of the software certificate whose SHA-256 (hex) is
        ``fingerprint_sha256``, as the platform's CA registered it when it
        issued it (its account, its case, whether it is revoked), or ``None``
        when the platform never issued it. Read-only, in a request."""
        if self.request is None:
            raise ServicesUnavailable("certificates are read in a request")
        record = self.request.opalexe_root.certificates.by_sha256(fingerprint_sha256)
        return record.facts() if record is not None else None

    def _accounts(self):
        if self.request is None:
            raise ServicesUnavailable("accounts are read in a request; an event carries what its hook needs")
        return self.request.opalexe_root.accounts


def plugin_services(request) -> PluginServices:
    """``request.opalexe_plugin_services``: the services of a request."""
    return PluginServices.for_request(request)
