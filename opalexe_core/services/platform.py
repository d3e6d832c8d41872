"""What every service works on (:class:`Platform`) and who acts (:class:`Actor`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pyramid.traversal import resource_path_tuple

from ..contract import ActorFacts, AuthMethod, DomainEvent, UserError
from ..i18n import _
from ..security import Authorizer
from .events import current_transaction


def utcnow() -> datetime:
    return datetime.now(UTC)


class Refused(UserError):
    """The actor lacks the right for this change; nothing was changed."""


@dataclass(frozen=True)
class Actor:
    """Who acts, and how it reached the platform.

    ``account`` is the logged-in account; ``None`` with ``auth_method`` CLI or
    PLATFORM is the platform itself (the operator's command line, scheduled
    work), which every right admits; ``None`` with ANONYMOUS is a visitor.
    """

    account: object | None
    auth_method: AuthMethod
    client_address: str | None = None
    certificate_fingerprint: str | None = None

    @classmethod
    def platform(cls, auth_method: AuthMethod = AuthMethod.CLI) -> Actor:
        return cls(None, auth_method)

    @classmethod
    def anonymous(cls, client_address: str | None = None) -> Actor:
        return cls(None, AuthMethod.ANONYMOUS, client_address)

    @property
    def is_platform(self) -> bool:
        return self.account is None and self.auth_method in (AuthMethod.CLI, AuthMethod.PLATFORM)

    @property
    def account_id(self) -> str | None:
        return self.account.id if self.account is not None else None

    def facts(self) -> ActorFacts:
        return ActorFacts(
            account_id=self.account_id,
            auth_method=self.auth_method,
            client_address=self.client_address,
            certificate_fingerprint=self.certificate_fingerprint,
            email=self.account.email if self.account is not None else None,
        )


#: An in-transaction subscriber: called with the platform and each event as
#: it is emitted, inside the change's transaction (the journal).
Subscriber = Callable[["Platform", DomainEvent], None]


class Platform:
    """The root, the plugin manager, the rights and the settings a service
    needs, and where its events go.

    ``dispatcher`` (an :class:`~opalexe_core.services.outbox.OutboxDispatcher`)
    is told after each commit that wrote events; without one (a script), the
    events wait in the outbox for a process that delivers them.
    ``plugin_services`` (:class:`~opalexe_core.plugin_services.PluginServices`)
    is what the hooks called during the change receive as ``services``
    (``None`` outside the application).
    """

    def __init__(self, root, pm, authorizer: Authorizer, settings, *, dispatcher=None,
                 subscribers: Iterable[Subscriber] = (), clock: Callable[[], datetime] = utcnow,
                 login_limiter=None, plugin_services=None):
        self.root = root
        self.pm = pm
        self.authorizer = authorizer
        self.settings = settings
        self.dispatcher = dispatcher
        self.subscribers = tuple(subscribers)
        self.clock = clock
        #: counts login attempts (:class:`~opalexe_core.ratelimit.LoginLimiter`); None: no limit
        self.login_limiter = login_limiter
        self.plugin_services = plugin_services

    @classmethod
    def offline(cls, root, pm, settings=None, **kw) -> Platform:
        """A platform for the command line and scripts: the same rights matrix
        as the application (the plugins' amendments included)."""
        from ..rights import build_rights_matrix

        return cls(root, pm, Authorizer(build_rights_matrix(pm)), settings, **kw)

    def now(self) -> datetime:
        return self.clock()

    # -- rights ----------------------------------------------------------------------

    def allows(self, actor: Actor, permission: str, context) -> bool:
        if actor.is_platform:
            return True
        return bool(self.authorizer.permits(actor.account, context, permission))

    def require(self, actor: Actor, permission: str, context, message: str | None = None) -> None:
        """Refuse (:class:`Refused`) unless ``actor`` holds ``permission`` on ``context``."""
        if not self.allows(actor, permission, context):
            raise Refused(message or _("Vous n'avez pas le droit de faire cette opération."))

    # -- events ----------------------------------------------------------------------

    def event(self, event_type: type[DomainEvent], actor: Actor, obj=None, *, path: tuple[str, ...] | None = None,
              **fields) -> DomainEvent:
        """Build and emit one ``event_type`` about ``obj`` (a resource) or ``path``."""
        if path is None:
            path = tuple(segment for segment in resource_path_tuple(obj) if segment) if obj is not None else ()
        return self.emit(event_type(at=self.now(), actor=actor.facts(), object_path=path, **fields))

    def emit(self, event: DomainEvent) -> DomainEvent:
        """Hand ``event`` to the in-transaction subscribers and write it to the
        outbox, in the current transaction; delivery follows its commit."""
        for subscriber in self.subscribers:
            subscriber(self, event)
        key = self.root.outbox.add(event)
        transaction = current_transaction(self.root)
        try:
            keys = transaction.data(self)
        except KeyError:
            keys = []
            transaction.set_data(self, keys)
            if self.dispatcher is not None:
                transaction.addAfterCommitHook(self._committed, (keys,))
        keys.append(key)
        return event

    def _committed(self, success: bool, keys: list[str]) -> None:
        if success:
            self.dispatcher.committed(keys)
