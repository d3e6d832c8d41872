"""The public vocabulary shared by the core and its plugins.

Everything a plugin may import from the core lives here, in
:mod:`opalexe_core.hookspecs` (for reading) and in :data:`opalexe_core.hookimpl`.
These are plain, immutable value objects: a plugin receives facts and returns
facts, it never touches persistent objects it was not handed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


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


class Right(enum.StrEnum):
    """What a role may do in a kind of folder (one cell of the rights matrix)."""

    NONE = "none"
    READ = "read"
    DEPOSIT = "deposit"


class NamingError(ValueError):
    """A naming rule cannot be applied to the facts it was given.

    ``message`` is addressed to the user, in French; the form shows it as is.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PartyFacts:
    """A party as written on the first page of the court's decision.

    ``kind`` is ``"physique"`` (natural person) or ``"morale"`` (legal person).
    """

    name: str
    kind: str = "morale"


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
class FolderSpec:
    """One folder ("coffre") of an expertise's tree.

    ``kind`` keys the rights matrix; ``party_index`` ties a folder of kind
    ``partie`` to the party at that index of the expertise's party list.
    ``children`` nest sub-folders (``Greffe`` / ``Rapport définitif``).
    ``title`` is the French title, stored as given and used as a message id
    of the ``opalexe`` domain when shown: a plugin's titles appear in English
    only if that catalog translates them. A party's folder shows the party's
    name instead.
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
class AuthProvider:
    """An authentication provider offered on the login page.

    ``id`` is stable (it is remembered in the browser), ``label`` answers
    "Quel est votre profil d'utilisateur ?", ``journey`` names how login
    happens (``"certificate"`` or ``"form"``) and ``login_route`` is the
    route name the profile choice leads to.
    """

    id: str
    label: str
    journey: str
    login_route: str
    description: str = ""
    order: int = 100


@dataclass(frozen=True)
class JurisdictionSpec:
    """One court of the jurisdictions directory.

    ``kind`` is one of ``TJ``, ``TC`` (tribunal de commerce), ``CA`` (cour
    d'appel), ``TA`` (tribunal administratif), ``CAA`` (cour administrative
    d'appel). ``parent`` is the code of the cour d'appel (or CAA) it belongs
    to; ``expertise_email`` the structural address of its expertise-control
    service (``expertises.tj-angers@justice.fr``).
    """

    code: str
    kind: str
    name: str
    short_name: str
    city: str
    parent: str | None = None
    expertise_email: str | None = None


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
class StatusChange:
    """An expertise moved from one status to another (after commit).

    Statuses are ``creee`` → ``en_cours`` → ``terminee`` → ``archivee``.
    ``at`` is an aware UTC datetime; ``actor`` the account id, or ``None``
    for the platform itself.
    """

    expertise_id: str
    old: str
    new: str
    actor: str | None
    at: object


@dataclass(frozen=True)
class DepositEvent:
    """A document became available in a folder (after commit)."""

    expertise_id: str
    folder_path: tuple[str, ...]
    document_id: str
    sha256: str
    depositor: str
    at: object
