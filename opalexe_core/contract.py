"""The one vocabulary of the core and its plugins: enumerations and frozen
value types.

Plugins import these names from :mod:`opalexe_core.api`. Every value here is
immutable and made of plain data (strings, numbers, dates, enumerations,
tuples): a hook receives facts and returns facts, never a persistent object.

Enumerations are ``StrEnum``: a member equals its value (``Status.EN_COURS ==
"en_cours"``), which is also how older databases stored them. Labels shown to
people live in :mod:`opalexe_core.labels`, never here.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

# -- Enumerations ------------------------------------------------------------------


class Profile(enum.StrEnum):
    """What a person is on the platform, whatever the case (an account's
    profile). The role it plays in one case is a :class:`Role`."""

    EXPERT = "expert"
    MAGISTRAT = "magistrat"
    GREFFIER = "greffier"
    AVOCAT = "avocat"
    INTERVENANT = "intervenant"
    MEDIATEUR = "mediateur"
    ADMINISTRATEUR = "administrateur"


class Role(enum.StrEnum):
    """A participant's role inside one expertise.

    ``sapiteur``: a specialist the expert calls in for a question outside its
    own field. ``intervenant``: somebody acting for a party without being its
    lawyer (technical adviser, insurer's expert, or the party itself).
    ``mediateur``: read-only on mixed expertise/mediation decisions.
    """

    EXPERT = "expert"
    CO_EXPERT = "co_expert"
    SAPITEUR = "sapiteur"
    MAGISTRAT = "magistrat"
    GREFFIER = "greffier"
    AVOCAT = "avocat"
    INTERVENANT = "intervenant"
    MEDIATEUR = "mediateur"


#: Roles that act for one party of the case (their deposits go to that
#: party's folder only).
PARTY_ROLES = frozenset({Role.AVOCAT, Role.INTERVENANT})

#: The roles an account may play in a case, by its profile. A sapiteur is a
#: specialist: a registered expert or not. The administrator plays none.
ROLES_BY_PROFILE: Mapping[Profile, tuple[Role, ...]] = MappingProxyType(
    {
        Profile.EXPERT: (Role.EXPERT, Role.CO_EXPERT, Role.SAPITEUR),
        Profile.INTERVENANT: (Role.INTERVENANT, Role.SAPITEUR),
        Profile.MAGISTRAT: (Role.MAGISTRAT,),
        Profile.GREFFIER: (Role.GREFFIER,),
        Profile.AVOCAT: (Role.AVOCAT,),
        Profile.MEDIATEUR: (Role.MEDIATEUR,),
        Profile.ADMINISTRATEUR: (),
    }
)


class Status(enum.StrEnum):
    """An expertise's status: créée (capacity reserved) → en cours (billing
    starts) → terminée (deposits closed) → archivée (read-only)."""

    CREEE = "creee"
    EN_COURS = "en_cours"
    TERMINEE = "terminee"
    ARCHIVEE = "archivee"

    @property
    def next(self) -> tuple[Status, ...]:
        """The statuses this one may move to."""
        return TRANSITIONS[self]

    @property
    def takes_deposits(self) -> bool:
        """« terminée » closes deposits; an archived case changes no more."""
        return self in (Status.CREEE, Status.EN_COURS)


TRANSITIONS: Mapping[Status, tuple[Status, ...]] = MappingProxyType(
    {
        Status.CREEE: (Status.EN_COURS,),
        Status.EN_COURS: (Status.TERMINEE,),
        Status.TERMINEE: (Status.ARCHIVEE,),
        Status.ARCHIVEE: (),
    }
)


class PartySide(enum.StrEnum):
    """Where a party stands in the proceedings (intervenant: forced or voluntary)."""

    DEMANDEUR = "demandeur"
    DEFENDEUR = "defendeur"
    INTERVENANT = "intervenant"


class PartyKind(enum.StrEnum):
    """A natural person (``physique``) or a legal person (``morale``)."""

    PHYSIQUE = "physique"
    MORALE = "morale"


class PaperReason(enum.StrEnum):
    """Why a party does not dematerialise, so must be served on paper."""

    REFUS = "refus"
    ABSENTE = "absente"
    DEFAILLANTE = "defaillante"


class FolderKind(enum.StrEnum):
    """The core's kinds of folder ("coffre"), keys of the rights matrix.

    A plugin's folder tree may use kinds of its own (any string); the rights
    matrix then needs amendments for them, or nobody sees those folders.
    """

    EXPERT_GREFFE_PARTIES = "expert_greffe_parties"  # «expert→greffe-parties»
    GREFFE_EXPERT_PARTIES = "greffe_expert_parties"  # «greffe→expert-parties»
    MAGISTRAT_EXPERT = "magistrat_expert"  # «magistrat→expert», confidential
    PARTIE = "partie"  # one per party: its exhibits (pièces) and observations (dires)
    NOTES_EXPERT = "notes_expert"  # «Notes de l'expert»
    CONVOCATIONS = "convocations"  # «Convocations»
    GREFFE = "greffe"  # «Greffe», holding the final report
    RAPPORT_DEFINITIF = "rapport_definitif"  # «Greffe / Rapport définitif»


class CourtKind(enum.StrEnum):
    """Kinds of court in the jurisdictions directory."""

    TJ = "TJ"  # tribunal judiciaire
    TC = "TC"  # tribunal de commerce
    CA = "CA"  # cour d'appel
    TA = "TA"  # tribunal administratif
    CAA = "CAA"  # cour administrative d'appel


class Right(enum.StrEnum):
    """What a role may do in a kind of folder (one cell of the rights matrix)."""

    NONE = "none"
    READ = "read"
    DEPOSIT = "deposit"


class AuthMethod(enum.StrEnum):
    """How an actor proved who it is.

    ``certificate``: a TLS client certificate (a card, a lawyer's key or a
    software certificate); ``password_code``: e-mail, password and a code sent
    by e-mail; ``demo``: the development login (never in production);
    ``cli``: the ``opalexe`` command or a script run by the operator;
    ``platform``: the platform itself (scheduled work); ``anonymous``: a
    visitor who is not logged in.
    """

    ANONYMOUS = "anonymous"
    CERTIFICATE = "certificate"
    PASSWORD_CODE = "password_code"
    DEMO = "demo"
    CLI = "cli"
    PLATFORM = "platform"


class LoginEnd(enum.StrEnum):
    """Why a login was closed."""

    LOGOUT = "logout"
    REPLACED = "replaced"  # a new login in the same browser
    SWITCHED = "switched"  # « Changer d'authentification »
    ACCOUNT_DISABLED = "account_disabled"


# -- Errors addressed to people ------------------------------------------------------


class UserError(ValueError):
    """A request the platform refuses; ``message`` is French, written for the
    user (a plain string, or a translation string the page translates), and
    ``field`` names the form field it is about (or ``None``)."""

    def __init__(self, message: str, field: str | None = None):
        interpolate = getattr(message, "interpolate", None)
        super().__init__(interpolate() if interpolate else message)
        self.message = message
        self.field = field


class NamingError(UserError):
    """A naming rule cannot be applied to the facts it was given."""


class AuthenticationError(UserError):
    """Credentials that do not prove an identity (wrong, expired, revoked…)."""


class AuthenticationUnavailable(AuthenticationError):
    """The provider cannot check the credentials now (its directory does not
    answer): nobody is logged in, and the page says to try again later."""


class CertificateProblem(enum.StrEnum):
    """Why a client certificate was refused (:class:`CertificateRefused`)."""

    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN_ISSUER = "unknown_issuer"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    WRONG_USAGE = "wrong_usage"
    REVOCATION_UNKNOWN = "revocation_unknown"
    NOT_CONFIGURED = "not_configured"


class CertificateRefused(AuthenticationError):
    """A client certificate that its trust store does not admit: ``problem``
    says why, the French ``message`` says it to the person."""

    def __init__(self, problem: CertificateProblem, message: str, field: str | None = None):
        super().__init__(message, field)
        self.problem = CertificateProblem(problem)


# -- Facts about cases ---------------------------------------------------------------


@dataclass(frozen=True)
class PartyFacts:
    """A party as written on the first page of the court's decision."""

    name: str
    kind: PartyKind = PartyKind.MORALE
    side: PartySide | None = None

    def __post_init__(self):
        object.__setattr__(self, "kind", PartyKind(self.kind))
        if self.side is not None:
            object.__setattr__(self, "side", PartySide(self.side))


@dataclass(frozen=True)
class CaseFacts:
    """What a naming rule needs to name a case.

    ``demandeurs`` and ``defendeurs`` keep the order of the decision: the
    first of each names the case. ``jurisdiction_short`` is the short name of
    the ordering court (``"TJ Angers"``), ``rg`` the number of the proceedings
    and ``exp`` the number of the court's expertise-control service (some
    courts call it ``MI``), both as written (``"18/00001"``).
    """

    demandeurs: tuple[PartyFacts, ...]
    defendeurs: tuple[PartyFacts, ...]
    jurisdiction_short: str
    rg: str
    exp: str | None
    expert_name: str


@dataclass(frozen=True)
class ExpertiseFacts:
    """An expertise as a plugin sees it: a snapshot, not the stored case."""

    id: str
    name: str
    status: Status
    jurisdiction_code: str
    rg: str
    exp: str | None
    parties: tuple[PartyFacts, ...]
    created_at: datetime
    #: (status, when) in order, the first being « créée »
    status_history: tuple[tuple[Status, datetime], ...] = ()
    #: when each software certificate of its participants was issued (billed
    #: « certificat logiciel (3 ans) » by the tariff; issue #19)
    software_certificates: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class FolderSpec:
    """One folder ("coffre") of an expertise's tree.

    ``kind`` keys the rights matrix (a :class:`FolderKind`, or a plugin's own
    string); ``party_index`` ties a folder of kind ``partie`` to the party at
    that index of the expertise's party list. ``children`` nest sub-folders
    (``Greffe`` / ``Rapport définitif``). ``title`` is the French title,
    stored as given and used as a message id of the ``opalexe`` domain when
    shown: a plugin's titles appear in English only if that catalog translates
    them. A party's folder shows the party's name instead.
    """

    kind: str
    title: str
    party_index: int | None = None
    children: tuple[FolderSpec, ...] = ()


@dataclass(frozen=True)
class RightAmendment:
    """Set one cell of the rights matrix: ``role`` gets ``right`` in ``folder_kind``."""

    folder_kind: str
    role: Role
    right: Right


@dataclass(frozen=True)
class JurisdictionSpec:
    """One court of the jurisdictions directory.

    ``parent`` is the code of the cour d'appel (or CAA) it belongs to;
    ``expertise_email`` the structural address of its expertise-control
    service (``expertises.tj-angers@justice.fr``).
    """

    code: str
    kind: CourtKind
    name: str
    short_name: str
    city: str
    parent: str | None = None
    expertise_email: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "kind", CourtKind(self.kind))


@dataclass(frozen=True)
class TariffLine:
    """One line of an invoice: a label, a quantity and a unit price before VAT."""

    code: str
    label: str
    quantity: int
    unit_price_ht: Decimal
    effective: date | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class InvoiceTrigger:
    """A moment at which an expertise must be invoiced: ``reason`` is a stable
    code (``six_months``, ``final_report``, ``new_party``…), ``on`` the date."""

    expertise_id: str
    reason: str
    on: date


@dataclass(frozen=True)
class UploadFacts:
    """A file received for deposit, before anyone can see it."""

    expertise_id: str
    folder_path: tuple[str, ...]
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ScanVerdict:
    """An upload scanner's answer: refuse with a French ``reason`` for the user."""

    accepted: bool
    scanner: str
    reason: str = ""


@dataclass(frozen=True)
class LetterTemplate:
    """A letter a court or region sends (the clerk's letter to a registered
    or unregistered expert…): ``template`` is a Chameleon asset spec."""

    id: str
    title: str
    template: str
    jurisdiction_code: str | None = None


@dataclass(frozen=True)
class Speciality:
    """One entry of the nomenclature of expert specialities (``A.1.1``):
    ``parent`` is the code of its branch or heading (``A.1``), ``None`` for a branch."""

    code: str
    label: str
    parent: str | None = None


# -- Authentication --------------------------------------------------------------------


@dataclass(frozen=True)
class AuthProvider:
    """An authentication provider offered on the login page.

    ``id`` is stable (it is remembered in the browser and ends the core's
    login address ``/authentification/<id>``), ``label`` answers « Quel est
    votre profil d'utilisateur ? », ``journey`` names how login happens
    (``"certificate"`` or ``"form"``) and ``login_route`` is the route name of
    the provider's own page that the profile choice leads to.
    ``development_only``: the application refuses to start in production
    while such a provider is installed (the demo login).
    ``certificate_trust``: the name of the trust store (``opalexe.trust.<name>``)
    the core checks the visitor's client certificate against before asking
    the provider (a card or key login); the provider then reads the verified
    :class:`CertificateFacts` in ``attempt.certificate``. ``None``: no
    certificate is needed.
    """

    id: str
    label: str
    journey: str
    login_route: str
    description: str = ""
    order: int = 100
    development_only: bool = False
    certificate_trust: str | None = None


@dataclass(frozen=True)
class CertificateFacts:
    """A client certificate the core has verified against the trust store
    ``trust``: its subject and issuer (RFC 4514 strings), serial number (hex),
    SHA-256 ``fingerprint`` (hex), validity, the subject's usual attributes
    (``cn``, ``given_name``, ``surname``, ``serial_number``, ``uid``,
    ``organization``, ``organizational_unit``, ``title``, ``country``,
    ``email``; those present) and the e-mail addresses it names."""

    trust: str
    subject: str
    issuer: str
    serial: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    attributes: Mapping[str, str] = field(default_factory=dict)
    emails: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    @property
    def common_name(self) -> str:
        return self.attributes.get("cn", "")

    def person_names(self) -> tuple[str, str]:
        """(first name, last name): the subject's given name and surname, or
        else its CN split before the words written in capitals (« Jean-Luc
        MARTIN DUPONT » → « Jean-Luc », « MARTIN DUPONT »)."""
        given, surname = self.attributes.get("given_name", ""), self.attributes.get("surname", "")
        if given and surname:
            return given, surname
        words = self.common_name.split()
        first = [word for word in words if not (word.isupper() and len(word) > 1)]
        last = [word for word in words if word.isupper() and len(word) > 1]
        if not first or not last:
            return given or " ".join(words[:-1]), surname or (words[-1] if words else "")
        return given or " ".join(first), surname or " ".join(last)


@dataclass(frozen=True)
class LoginAttempt:
    """What the core read of a login request posted to
    ``/authentification/<provider>``: the provider's id, the posted form
    fields (without the CSRF token), the client certificate as the trusted
    proxy forwarded it (PEM, or ``None``) and the client's address.
    ``certificate``: that certificate once the core verified it against the
    provider's trust store (``AuthProvider.certificate_trust``), else ``None``."""

    provider: str
    params: Mapping[str, str]
    client_address: str | None = None
    client_certificate_pem: str | None = None
    certificate: CertificateFacts | None = None

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True)
class Credentials:
    """What a provider read from a login attempt, before checking it.
    ``values`` are the provider's own (never shown, never stored)."""

    provider: str
    values: Mapping[str, str] = field(default_factory=dict)
    certificate_pem: str | None = None
    #: the verified certificate of the attempt (``LoginAttempt.certificate``)
    certificate: CertificateFacts | None = None

    def __post_init__(self):
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True)
class Identity:
    """A verified identity: who the provider vouches for.

    ``subject`` is stable for this provider (a certificate's subject, an
    e-mail address) and links the identity to one account. An identity whose
    ``email_verified`` is true may also be linked, at its first login, to the
    account holding that address. ``profile`` is what the provider knows the
    person to be (a card of experts: ``expert``), ``None`` when it does not.
    ``attributes`` are the provider's facts offered to the registration form
    (``cn``, ``bar``, ``court``…).
    """

    provider: str
    subject: str
    auth_method: AuthMethod
    email: str | None = None
    email_verified: bool = False
    first_name: str = ""
    last_name: str = ""
    profile: Profile | None = None
    certificate_fingerprint: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "auth_method", AuthMethod(self.auth_method))
        if self.profile is not None:
            object.__setattr__(self, "profile", Profile(self.profile))
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))


@dataclass(frozen=True)
class AccountFacts:
    """An account as a plugin may see it."""

    id: str
    email: str
    first_name: str
    last_name: str
    profile: Profile
    display_name: str
    active: bool = True


# -- Domain events --------------------------------------------------------------------


@dataclass(frozen=True)
class ActorFacts:
    """Who did something: the account (``None`` for the platform itself), how
    it proved who it is, from which address (as the trusted proxy saw it),
    and its certificate's SHA-256 fingerprint or its e-mail."""

    account_id: str | None
    auth_method: AuthMethod
    client_address: str | None = None
    certificate_fingerprint: str | None = None
    email: str | None = None


def new_event_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """One change of the platform's state, as it was committed.

    ``kind`` names the change (``account.created``…), ``object_path`` the
    resource changed (its path segments from the root), ``at`` when (an aware
    UTC datetime), ``actor`` who. ``id`` is unique: a receiver that is called
    twice with the same event (delivery is at least once) recognises it.
    """

    kind = "event"

    id: str = field(default_factory=new_event_id)
    at: datetime
    actor: ActorFacts
    object_path: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AccountCreated(DomainEvent):
    kind = "account.created"
    account_id: str
    email: str
    profile: Profile
    is_admin: bool = False


@dataclass(frozen=True, kw_only=True)
class AccountRegistered(DomainEvent):
    """A person registered at its first login with an identity of ``provider``."""

    kind = "account.registered"
    account_id: str
    email: str
    profile: Profile
    provider: str


@dataclass(frozen=True, kw_only=True)
class AccountDisabled(DomainEvent):
    kind = "account.disabled"
    account_id: str
    reason: str
    logins_closed: int


@dataclass(frozen=True, kw_only=True)
class AccountEnabled(DomainEvent):
    kind = "account.enabled"
    account_id: str


@dataclass(frozen=True, kw_only=True)
class SiteSettingsChanged(DomainEvent):
    kind = "site.settings_changed"
    platform_name: str
    contact_email: str


@dataclass(frozen=True, kw_only=True)
class LoginOpened(DomainEvent):
    kind = "login.opened"
    account_id: str
    provider: str


@dataclass(frozen=True, kw_only=True)
class LoginClosed(DomainEvent):
    kind = "login.closed"
    account_id: str
    reason: LoginEnd


@dataclass(frozen=True, kw_only=True)
class ExpertiseCreated(DomainEvent):
    """A case was created. ``participants`` are those it was created with,
    each as (account id, role, party id or ``None``): its expert, and the
    magistrate, clerk and lawyers named on the creation form."""

    kind = "expertise.created"
    expertise_id: str
    name: str
    jurisdiction_code: str
    participants: tuple[tuple[str, Role, str | None], ...] = ()


@dataclass(frozen=True, kw_only=True)
class ParticipantAdded(DomainEvent):
    kind = "participant.added"
    expertise_id: str
    account_id: str
    role: Role
    party_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class StatusChanged(DomainEvent):
    """An expertise moved from ``old`` to ``new``."""

    kind = "expertise.status_changed"
    expertise_id: str
    old: Status
    new: Status


@dataclass(frozen=True, kw_only=True)
class DocumentDeposited(DomainEvent):
    """A document became available to every entitled participant of its
    folder: ``at`` is its date of availability."""

    kind = "document.deposited"
    expertise_id: str
    folder_path: tuple[str, ...]
    document_id: str
    sha256: str
    depositor: str
    filename: str = ""
    size: int = 0
    #: « Pièce n°3 – Dupont », or the filename outside a party's folder
    title: str = ""
    content_type: str = ""
    #: 1, or the version this deposit is of the document it corrects
    version: int = 1
    #: the id of the document this one corrects (its previous version)
    previous_id: str | None = None
    #: the accounts of the participants it became available to (active,
    #: entitled to read its folder), the depositor excepted
    recipients: tuple[str, ...] = ()
    #: parties served on paper that must still be sent it (« à notifier par courrier »)
    paper_parties: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DocumentReceived(DomainEvent):
    """A participant opened or downloaded a document for the first time:
    ``at`` is its date of receipt."""

    kind = "document.received"
    expertise_id: str
    folder_path: tuple[str, ...]
    document_id: str
    sha256: str
    recipient: str
    #: ``ouverture`` (opened in the browser), ``telechargement`` or ``export``
    how: str = "telechargement"


# -- Documents (issue #16) ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DocumentWithdrawn(DomainEvent):
    """A document was withdrawn by ``withdrawn_by`` for ``reason``; it stays
    in the record and readable."""

    kind = "document.withdrawn"
    expertise_id: str
    folder_path: tuple[str, ...]
    document_id: str
    sha256: str
    withdrawn_by: str | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class NotificationModeChanged(DomainEvent):
    """An account chose how it hears of new documents: ``immediate`` (a mail
    per deposit) or ``digest`` (one mail a day)."""

    kind = "notification.mode_changed"
    account_id: str
    mode: str


# -- Expertises (issue #15) ------------------------------------------------------------


class IntervenantCapacity(enum.StrEnum):
    """In which capacity an intervenant de partie acts for its party: the
    party itself, its technical adviser, or its insurer's expert (admitted
    only when no party objects, as the CA Angers minutes of 2020 agreed)."""

    PARTIE = "partie"
    CONSEIL = "conseil"
    ASSUREUR = "assureur"


class SaisineStatus(enum.StrEnum):
    """Where a designation sent by a court stands: sent (waiting for the
    expert's answer), accepted (the case exists) or declined."""

    ENVOYEE = "envoyee"
    ACCEPTEE = "acceptee"
    REFUSEE = "refusee"


@dataclass(frozen=True, kw_only=True)
class ParticipantDeactivated(DomainEvent):
    """A participant was set « inactif »: it opens nothing of the case any
    more; its past part stays on record."""

    kind = "participant.deactivated"
    expertise_id: str
    account_id: str
    role: Role
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ParticipantReactivated(DomainEvent):
    kind = "participant.reactivated"
    expertise_id: str
    account_id: str
    role: Role


@dataclass(frozen=True, kw_only=True)
class ObjectionRecorded(DomainEvent):
    """A party objected to an insurer's expert acting for another party
    (``account_id``); ``deactivated``: it had been admitted and was set
    « inactif » by the objection."""

    kind = "participant.objection_recorded"
    expertise_id: str
    party_id: str
    account_id: str
    reason: str = ""
    deactivated: bool = False


@dataclass(frozen=True, kw_only=True)
class PartyAdded(DomainEvent):
    """A party joined the case after its creation, with its own folders."""

    kind = "expertise.party_added"
    expertise_id: str
    party_id: str
    name: str
    side: PartySide
    party_kind: PartyKind
    folders: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PaperServiceSet(DomainEvent):
    """A party does not dematerialise: it must be served on paper."""

    kind = "expertise.paper_service_set"
    expertise_id: str
    party_id: str
    reason: PaperReason
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class PaperServiceCleared(DomainEvent):
    """A party served on paper now dematerialises."""

    kind = "expertise.paper_service_cleared"
    expertise_id: str
    party_id: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class FolderAccessGranted(DomainEvent):
    """The expert gave one participant ``right`` (read, or read and
    deposit) in one folder, whatever the rights matrix says."""

    kind = "folder.access_granted"
    expertise_id: str
    folder_path: tuple[str, ...]
    account_id: str
    right: Right


@dataclass(frozen=True, kw_only=True)
class FolderAccessWithdrawn(DomainEvent):
    """The expert withdrew one participant's access to one folder, whatever
    the rights matrix says."""

    kind = "folder.access_withdrawn"
    expertise_id: str
    folder_path: tuple[str, ...]
    account_id: str


@dataclass(frozen=True, kw_only=True)
class StaffReplaced(DomainEvent):
    """A magistrate or clerk (``role``) was replaced by another on every
    running case of a court: the old one set « inactif », the new one added
    or reactivated, in each of ``expertise_ids``."""

    kind = "court.staff_replaced"
    jurisdiction_code: str
    role: Role
    old_account_id: str
    new_account_id: str
    expertise_ids: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AccountCourtChanged(DomainEvent):
    """A magistrate's or clerk's account was attached to a court (or
    detached: ``jurisdiction_code`` ``None``)."""

    kind = "account.court_changed"
    account_id: str
    jurisdiction_code: str | None


@dataclass(frozen=True, kw_only=True)
class SaisineSent(DomainEvent):
    """A court sent a designation (« saisine ») to an expert: a registered
    one (``expert_account_id``), or one invited by e-mail at
    ``expert_email`` (``invitation``)."""

    kind = "saisine.sent"
    saisine_id: str
    jurisdiction_code: str
    expert_email: str
    expert_account_id: str | None = None
    invitation: bool = False


@dataclass(frozen=True, kw_only=True)
class SaisineClaimed(DomainEvent):
    """An expert who was invited by e-mail opened the invitation's link
    once registered: the designation is now addressed to its account."""

    kind = "saisine.claimed"
    saisine_id: str
    account_id: str


@dataclass(frozen=True, kw_only=True)
class SaisineAccepted(ExpertiseCreated):
    """The expert accepted a designation: the case it created from it (an
    :class:`ExpertiseCreated` too)."""

    kind = "saisine.accepted"
    saisine_id: str


@dataclass(frozen=True, kw_only=True)
class SaisineDeclined(DomainEvent):
    kind = "saisine.declined"
    saisine_id: str
    reason: str
# -- Issue #18: card and key logins, terms of use, the lawyers' directory ------------------


@dataclass(frozen=True, kw_only=True)
class TermsPublished(DomainEvent):
    """A version of the terms of use (CGU) was published, in force from ``effective_on``."""

    kind = "terms.published"
    version: str
    effective_on: date


@dataclass(frozen=True, kw_only=True)
class TermsAccepted(DomainEvent):
    """An account accepted the version ``version`` of the terms of use."""

    kind = "terms.accepted"
    account_id: str
    version: str


@dataclass(frozen=True, kw_only=True)
class LawyerListed(DomainEvent):
    """A lawyer's entry of the « Annuaire des avocats » was added or brought
    up to date, from what its key says (at each login)."""

    kind = "lawyer.listed"
    account_id: str
    bar: str
    first_listed: bool


@dataclass(frozen=True)
class LawyerFacts:
    """One entry of the « Annuaire des avocats »: a lawyer who logged in with
    its key, its bar (``Barreau de Lyon``) and when it last logged in."""

    account_id: str
    first_name: str
    last_name: str
    display_name: str
    bar: str
    email: str
    last_login: datetime


@dataclass(frozen=True)
class TermsVersion:
    """A version of the terms of use: its ``version`` label (``v202004-01``),
    the day it comes into force, its text, and when it was published."""

    version: str
    title: str
    effective_on: date
    text: str
    published_at: datetime


# -- Traceability and evidence (issue #17) ----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class JournalHeadSigned(DomainEvent):
    """The administrator had the journal's tree head signed on demand: the
    ``number``-th signed head covers the first ``tree_size`` entries."""

    kind = "journal.head_signed"
    number: int
    tree_size: int
    root_hash: str


# -- Invitations (issue #19) ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ParticipantInvited(ParticipantAdded):
    """The expert (or a co-expert) invited somebody by e-mail: the account
    was created if no account held ``email`` (``account_created``), and it
    joined the case in ``role``. A participant added, so a receiver of
    :class:`ParticipantAdded` sees it too; the facts a mail needs come along
    (the case's name, who invites, the party)."""

    kind = "participant.invited"
    email: str
    first_name: str
    last_name: str
    profile: Profile
    account_created: bool
    expertise_name: str
    invited_by: str
    party_name: str = ""


# -- Software certificates (issue #19) ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CertificateAuthorityCreated(DomainEvent):
    """The platform's certificate authority got its key (on the PKCS#11
    token) and its self-signed certificate."""

    kind = "certificate_authority.created"
    subject: str
    fingerprint_sha256: str
    not_after: datetime


@dataclass(frozen=True, kw_only=True)
class SoftwareCertificateIssued(DomainEvent):
    """The platform's CA issued a software certificate to a participant of
    ``expertise_id`` (billed: ``tariff_code``, « certificat logiciel (3 ans) »)."""

    kind = "software_certificate.issued"
    expertise_id: str
    account_id: str
    serial: str  # hexadecimal
    fingerprint_sha256: str
    subject: str
    not_before: datetime
    not_after: datetime
    tariff_code: str = "certificat_logiciel"


@dataclass(frozen=True, kw_only=True)
class SoftwareCertificateRevoked(DomainEvent):
    """A software certificate was revoked; the CRL ``crl_number`` lists it."""

    kind = "software_certificate.revoked"
    expertise_id: str
    account_id: str
    serial: str
    reason: str
    crl_number: int


@dataclass(frozen=True, kw_only=True)
class RevocationListPublished(DomainEvent):
    """The CA signed a new certificate revocation list (CRL) ``crl_number``,
    valid until ``next_update``, listing ``revoked`` certificates."""

    kind = "certificate_authority.crl_published"
    crl_number: int
    next_update: datetime
    revoked: int


# -- issue #19: the platform's software certificates, as a login provider sees them --------


@dataclass(frozen=True)
class SoftwareCertificateFacts:
    """A software certificate the platform's CA issued, as its register
    recorded it: ``serial`` (hexadecimal), for the account ``account_id`` in
    the case ``expertise_id``, its subject and SHA-256 ``fingerprint_sha256``
    (hex), its validity, and ``revoked_at`` once revoked."""

    serial: str
    account_id: str
    expertise_id: str
    subject: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


# -- Issue #15 (continued): the designation order attached to a designation ----------------


@dataclass(frozen=True, kw_only=True)
class SaisineOrderAttached(DomainEvent):
    """The court's clerk attached the designation order (a PDF, sealed) to a
    designation still waiting for the expert's answer; a second one replaces
    the first. It is deposited in the case's «greffe→expert-parties» folder
    when the expert accepts."""

    kind = "saisine.order_attached"
    saisine_id: str
    filename: str
    size: int
    sha256: str
