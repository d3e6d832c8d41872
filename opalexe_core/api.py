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

from cryptography.x509.oid import NameOID as _NameOID

from .certificates import TrustStoreSettings, verify_certificate
from .contract import (
    PARTY_ROLES,
    ROLES_BY_PROFILE,
    TRANSITIONS,
    AccountCourtChanged,
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    AccountFacts,
    AccountRegistered,
    ActorFacts,
    AuthenticationError,
    AuthenticationUnavailable,
    AuthMethod,
    AuthProvider,
    CaseFacts,
    CertificateAuthorityCreated,
    CertificateFacts,
    CertificateProblem,
    CertificateRefused,
    CourtKind,
    Credentials,
    DocumentDeposited,
    DocumentReceived,
    DocumentWithdrawn,
    DomainEvent,
    ExpertiseCreated,
    ExpertiseFacts,
    FolderAccessGranted,
    FolderAccessWithdrawn,
    FolderKind,
    FolderSpec,
    Identity,
    IntervenantCapacity,
    InvoiceTrigger,
    JournalHeadSigned,
    JurisdictionSpec,
    LawyerFacts,
    LawyerListed,
    LetterTemplate,
    LoginAttempt,
    LoginClosed,
    LoginEnd,
    LoginOpened,
    NamingError,
    NotificationModeChanged,
    ObjectionRecorded,
    PaperReason,
    PaperServiceCleared,
    PaperServiceSet,
    ParticipantAdded,
    ParticipantDeactivated,
    ParticipantInvited,
    ParticipantReactivated,
    PartyAdded,
    PartyFacts,
    PartyKind,
    PartySide,
    Profile,
    RevocationListPublished,
    Right,
    RightAmendment,
    Role,
    SaisineAccepted,
    SaisineClaimed,
    SaisineDeclined,
    SaisineOrderAttached,
    SaisineSent,
    SaisineStatus,
    ScanVerdict,
    SiteSettingsChanged,
    SoftwareCertificateFacts,
    SoftwareCertificateIssued,
    SoftwareCertificateRevoked,
    Speciality,
    StaffReplaced,
    Status,
    StatusChanged,
    TariffLine,
    TermsAccepted,
    TermsPublished,
    TermsVersion,
    UploadFacts,
    UserError,
)
from .forms.registration import REGISTRATION_FIELDS, registration_field
from .labels import label
from .markers import CONTRACT_VERSION, hookimpl
from .permissions import DEFAULT_PERMISSION, PUBLIC
from .plugin_services import PluginServices, ServicesUnavailable

_CN = _NameOID.COMMON_NAME

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


#: The page template of a card or key login (a provider's page fills it with
#: :func:`certificate_login_page`): ``renderer=CERTIFICATE_LOGIN_TEMPLATE``.
CERTIFICATE_LOGIN_TEMPLATE = "opalexe_core:templates/certificate_login.pt"


def certificate_login_page(request, provider_id: str, *, title: str, instructions: str) -> dict:
    """What :data:`CERTIFICATE_LOGIN_TEMPLATE` shows for ``provider_id``: the
    title, the instructions, the certificate the browser presented (its CN,
    not yet verified) and the form posting to the core's login address."""
    from .certificates import CertificateRefused as _Refused
    from .certificates import load_certificate
    from .proxy import client_certificate

    try:
        certificate = load_certificate(client_certificate(request))
        attributes = certificate.subject.get_attributes_for_oid(_CN)
        presented = str(attributes[0].value) if attributes else certificate.subject.rfc4514_string()
    except _Refused:
        presented = None
    return {"title": title, "instructions": instructions, "presented": presented,
            "login_url": login_url(request, provider_id), "csrf_token": csrf_token(request),
            "switch_url": request.resource_url(request.opalexe_root, "changer-authentification")}


def add_certificate_login(config, provider_id: str, *, route_name: str, path: str, title: str,
                          instructions: str) -> None:
    """Register a certificate provider's login page at ``path`` (a public
    GET, :func:`certificate_login_page` in :data:`CERTIFICATE_LOGIN_TEMPLATE`):
    from ``opalexe_config_include``, with ``login_route=route_name`` in the
    provider's :class:`AuthProvider`."""

    def login_page(request):
        return certificate_login_page(request, provider_id, title=title, instructions=instructions)

    config.add_route(route_name, path)
    config.add_view(login_page, route_name=route_name, request_method="GET", permission=PUBLIC,
                    renderer=CERTIFICATE_LOGIN_TEMPLATE)


def certificate_credentials(attempt: LoginAttempt, provider_id: str) -> Credentials | None:
    """A certificate provider's ``opalexe_credentials_get``: the certificate
    the browser presented, as the core verified it against the provider's
    trust store; None for another provider's attempt."""
    if attempt.provider != provider_id:
        return None
    return Credentials(provider=provider_id, certificate_pem=attempt.client_certificate_pem,
                       certificate=attempt.certificate)


def search_lawyers(request, text: str, limit: int = 50) -> tuple[LawyerFacts, ...]:
    """The lawyers of the « Annuaire des avocats » whose name or bar hold every
    word of ``text`` (as the start of one of theirs), by name; for the logged-in
    expert (or administrator) of ``request``, else
    :class:`~opalexe_core.contract.UserError` (a refusal)."""
    from .services.lawyers import search

    return search(request.opalexe_platform, request.opalexe_actor, text, limit)


def specialities(request) -> tuple[Speciality, ...]:
    """The nomenclature of expert specialities, in its order."""
    from .services.specialities import collect_specialities

    return collect_specialities(request.registry.opalexe_pm)


def account_directory(request) -> tuple[AccountFacts, ...]:
    """Every account of the platform, by profile then name (read-only facts)."""
    accounts = request.opalexe_root.accounts.values()
    facts = [account.facts() for account in accounts]
    return tuple(sorted(facts, key=lambda a: (str(a.profile), a.last_name.lower(), a.first_name.lower())))


def find_account(request, email: str) -> AccountFacts | None:
    """The account holding ``email``, or ``None``."""
    account = request.opalexe_root.accounts.find_by_email(email)
    return account.facts() if account is not None else None


def plugin_services(request) -> PluginServices:
    """The :class:`PluginServices` of ``request``, for a plugin's own views:
    its storage area (``area(name)`` in the request's transaction,
    ``change(name, function)`` in one of its own), mail sent after the
    request's commit (``send_after_commit``), links, accounts. The login and event hooks receive
    theirs as their ``services`` argument."""
    return request.opalexe_plugin_services


__all__ = [
    "CERTIFICATE_LOGIN_TEMPLATE",
    "CONTRACT_VERSION",
    "DEFAULT_PERMISSION",
    "LAYOUT_MACRO",
    "PARTY_ROLES",
    "PUBLIC",
    "REGISTRATION_FIELDS",
    "ROLES_BY_PROFILE",
    "TRANSITIONS",
    "AccountCourtChanged",
    "AccountCreated",
    "AccountDisabled",
    "AccountEnabled",
    "AccountFacts",
    "AccountRegistered",
    "ActorFacts",
    "AuthMethod",
    "AuthProvider",
    "AuthenticationError",
    "AuthenticationUnavailable",
    "CaseFacts",
    "CertificateAuthorityCreated",
    "CertificateFacts",
    "CertificateProblem",
    "CertificateRefused",
    "CourtKind",
    "Credentials",
    "DocumentDeposited",
    "DocumentReceived",
    "DocumentWithdrawn",
    "DomainEvent",
    "ExpertiseCreated",
    "ExpertiseFacts",
    "FolderAccessGranted",
    "FolderAccessWithdrawn",
    "FolderKind",
    "FolderSpec",
    "Identity",
    "IntervenantCapacity",
    "InvoiceTrigger",
    "JournalHeadSigned",
    "JurisdictionSpec",
    "LawyerFacts",
    "LawyerListed",
    "LetterTemplate",
    "LoginAttempt",
    "LoginClosed",
    "LoginEnd",
    "LoginOpened",
    "NamingError",
    "ObjectionRecorded",
    "NotificationModeChanged",
    "PaperReason",
    "PaperServiceCleared",
    "PaperServiceSet",
    "ParticipantAdded",
    "ParticipantDeactivated",
    "ParticipantReactivated",
    "PartyAdded",
    "ParticipantInvited",
    "PartyFacts",
    "PartyKind",
    "PartySide",
    "PluginServices",
    "Profile",
    "RevocationListPublished",
    "Right",
    "RightAmendment",
    "Role",
    "SaisineAccepted",
    "SaisineClaimed",
    "SaisineDeclined",
    "SaisineOrderAttached",
    "SaisineSent",
    "SaisineStatus",
    "ScanVerdict",
    "ServicesUnavailable",
    "SiteSettingsChanged",
    "SoftwareCertificateFacts",
    "SoftwareCertificateIssued",
    "SoftwareCertificateRevoked",
    "Speciality",
    "StaffReplaced",
    "Status",
    "StatusChanged",
    "TariffLine",
    "TermsAccepted",
    "TermsPublished",
    "TermsVersion",
    "TrustStoreSettings",
    "UploadFacts",
    "UserError",
    "account_directory",
    "add_certificate_login",
    "certificate_credentials",
    "certificate_login_page",
    "csrf_token",
    "find_account",
    "hookimpl",
    "label",
    "login_url",
    "plugin_services",
    "registration_field",
    "search_lawyers",
    "specialities",
    "verify_certificate",
]
