"""What a plugin may import from the core: this module, nothing else.

Everything named in ``__all__`` is the plugin contract of version
:data:`CONTRACT_VERSION`, with the hooks of :mod:`opalexe_core.hookspecs`
(read them: they are the manual). A name leaves ``__all__`` only with a new
major contract version, after a deprecation warning.

A plugin's ``setup.cfg``::

    [options]
    install_requires =
        opalexe >= 1.0, < 2

    [options.entry_points]
    opalexe =
        my_plugin = opalexe_my_plugin

``opalexe plugin new NAME`` writes such a distribution.
"""

from __future__ import annotations

from .contract import (
    PARTY_ROLES,
    ROLES_BY_PROFILE,
    TRANSITIONS,
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    AccountFacts,
    AccountRegistered,
    ActorFacts,
    AuthenticationError,
    AuthMethod,
    AuthProvider,
    CaseFacts,
    CourtKind,
    Credentials,
    DocumentDeposited,
    DocumentReceived,
    DocumentWithdrawn,
    DomainEvent,
    ExpertiseCreated,
    ExpertiseFacts,
    FolderKind,
    FolderSpec,
    Identity,
    InvoiceTrigger,
    JurisdictionSpec,
    LetterTemplate,
    LoginAttempt,
    LoginClosed,
    LoginEnd,
    LoginOpened,
    NamingError,
    NotificationModeChanged,
    PaperReason,
    ParticipantAdded,
    PartyFacts,
    PartyKind,
    PartySide,
    Profile,
    Right,
    RightAmendment,
    Role,
    ScanVerdict,
    SiteSettingsChanged,
    Speciality,
    Status,
    StatusChanged,
    TariffLine,
    UploadFacts,
    UserError,
)
from .labels import label
from .markers import CONTRACT_VERSION, hookimpl
from .permissions import DEFAULT_PERMISSION, PUBLIC

#: The renderer global a plugin's page template fills:
#: ``<metal:page use-macro="opalexe_layout">`` with the slots ``title`` and ``content``.
LAYOUT_MACRO = "opalexe_layout"


def login_url(request, provider_id: str) -> str:
    """Where a provider's login form posts (with the session's CSRF token as
    ``csrf_token``): the core reads the attempt, asks the provider's
    ``opalexe_credentials_get`` and ``opalexe_identity_get``, and logs in."""
    return request.route_url("authenticate", provider=provider_id)


def csrf_token(request) -> str:
    """The session's CSRF token, to put in a form as ``csrf_token``."""
    return request.session.get_csrf_token()


def account_directory(request) -> tuple[AccountFacts, ...]:
    """Every account of the platform, by profile then name (read-only facts)."""
    accounts = request.opalexe_root.accounts.values()
    facts = [account.facts() for account in accounts]
    return tuple(sorted(facts, key=lambda a: (str(a.profile), a.last_name.lower(), a.first_name.lower())))


def find_account(request, email: str) -> AccountFacts | None:
    """The account holding ``email``, or ``None``."""
    account = request.opalexe_root.accounts.find_by_email(email)
    return account.facts() if account is not None else None


__all__ = [
    "CONTRACT_VERSION",
    "DEFAULT_PERMISSION",
    "LAYOUT_MACRO",
    "PARTY_ROLES",
    "PUBLIC",
    "ROLES_BY_PROFILE",
    "TRANSITIONS",
    "AccountCreated",
    "AccountDisabled",
    "AccountEnabled",
    "AccountFacts",
    "AccountRegistered",
    "ActorFacts",
    "AuthMethod",
    "AuthProvider",
    "AuthenticationError",
    "CaseFacts",
    "CourtKind",
    "Credentials",
    "DocumentDeposited",
    "DocumentReceived",
    "DocumentWithdrawn",
    "DomainEvent",
    "ExpertiseCreated",
    "ExpertiseFacts",
    "FolderKind",
    "FolderSpec",
    "Identity",
    "InvoiceTrigger",
    "JurisdictionSpec",
    "LetterTemplate",
    "LoginAttempt",
    "LoginClosed",
    "LoginEnd",
    "LoginOpened",
    "NamingError",
    "NotificationModeChanged",
    "PaperReason",
    "ParticipantAdded",
    "PartyFacts",
    "PartyKind",
    "PartySide",
    "Profile",
    "Right",
    "RightAmendment",
    "Role",
    "ScanVerdict",
    "SiteSettingsChanged",
    "Speciality",
    "Status",
    "StatusChanged",
    "TariffLine",
    "UploadFacts",
    "UserError",
    "account_directory",
    "csrf_token",
    "find_account",
    "hookimpl",
    "label",
    "login_url",
]
