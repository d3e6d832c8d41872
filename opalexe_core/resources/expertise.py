"""Expertises, their parties, participants and folders ("coffres").

*Expertise*: a court-ordered expert assessment. *RG*: the number of the
proceedings at the court; *EXP* (or *MI*): the number given by the court's
expertise-control service. A party that does not dematerialise
(``paper_reason``) must still be served on paper (registered letter).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from pyramid.authorization import DENY_ALL, Allow, Authenticated
from pyramid.location import lineage
from pyramid.threadlocal import get_current_registry

from ..contract import Role
from ..rights import RightsMatrix, role_principal
from .container import Container

STATUSES = ("creee", "en_cours", "terminee", "archivee")
TRANSITIONS = {"creee": ("en_cours",), "en_cours": ("terminee",), "terminee": ("archivee",), "archivee": ()}
#: Statuses in which documents may be deposited: « terminée » closes deposits.
DEPOSIT_STATUSES = ("creee", "en_cours")

PARTY_SIDES = ("demandeur", "defendeur", "intervenant")
PAPER_REASONS = ("refus", "absente", "defaillante")


def _now():
    return datetime.now(UTC)


class Party(Persistent):
    """A party to the proceedings, in the order of the decision."""

    def __init__(self, name: str, side: str, kind: str = "morale"):
        if side not in PARTY_SIDES:
            raise ValueError(f"unknown party side: {side!r}")
        if kind not in ("physique", "morale"):
            raise ValueError(f"unknown party kind: {kind!r}")
        self.id = secrets.token_hex(4)
        self.name = name.strip()
        self.side = side
        self.kind = kind
        self.paper_reason = None  # one of PAPER_REASONS when served on paper

    @property
    def served_on_paper(self) -> bool:
        return self.paper_reason is not None


class Participant(Persistent):
    """An account's part in one expertise; ``active`` False keeps its history."""

    def __init__(self, account_id: str, role: Role, party_id: str | None = None):
        role = Role(role)
        self.account_id = account_id
        self.role = role
        self.party_id = party_id
        self.active = True
        self.added_at = _now()


class Folder(Container):
    """A folder of an expertise; ``kind`` keys the rights matrix. Its ACL is
    the matrix's for its kind, without any deposit once its case is closed."""

    def __init__(self, kind: str, title: str, party_id: str | None = None):
        super().__init__()
        self.kind = kind
        self.title = title
        self.party_id = party_id

    @property
    def __acl__(self):
        matrix = getattr(get_current_registry(), "opalexe_rights", None) or RightsMatrix()
        expertise = self.expertise
        deposits_open = expertise is None or expertise.status in DEPOSIT_STATUSES
        return matrix.acl(self.kind, self.party_id, deposits_open=deposits_open)

    @property
    def expertise(self) -> Expertise | None:
        return find_expertise(self)


class Expertise(Persistent):
    """One case. Its ACL grants by role in the case; the platform
    administrator gets nothing here (least privilege)."""

    __parent__ = None
    __name__ = None

    __acl__ = [
        (Allow, role_principal(Role.EXPERT), ("view", "manage")),
        (Allow, role_principal(Role.CO_EXPERT), ("view", "manage")),
        *[(Allow, role_principal(role), "view") for role in Role],
        DENY_ALL,
    ]

    def __init__(self, *, name, rg, exp, jurisdiction_code, order_date=None, mission="", report_due=None):
        self.name = name
        self.rg = rg
        self.exp = exp
        self.jurisdiction_code = jurisdiction_code
        self.order_date = order_date
        self.mission = mission
        self.report_due = report_due
        self.status = "creee"
        self.status_history = PersistentList([("creee", None, _now())])
        self.created_at = _now()
        self.parties = PersistentList()
        self.participants = OOBTree()  # account id -> Participant
        self.folders = Container()
        self.folders.__parent__ = self
        self.folders.__name__ = "dossiers"

    def __getitem__(self, name):
        if name == "dossiers":
            return self.folders
        raise KeyError(name)

    @property
    def id(self) -> str:
        return self.__name__

    def party(self, party_id: str) -> Party | None:
        return next((p for p in self.parties if p.id == party_id), None)

    def first(self, side: str) -> Party | None:
        return next((p for p in self.parties if p.side == side), None)

    def active_participant(self, account_id: str | None) -> Participant | None:
        participant = self.participants.get(account_id) if account_id else None
        return participant if participant is not None and participant.active else None

    def participants_by_role(self, role: Role):
        return [p for p in self.participants.values() if p.role == Role(role)]


class Expertises(Container):
    """Every expertise, keyed by a random id (a guessed URL finds nothing to
    read anyway: each expertise's ACL admits its participants only)."""

    # DENY_ALL: nothing more comes from the root's ACL (the administrator's
    # permissions stop here: the administrator creates and reads no case).
    __acl__ = [(Allow, Authenticated, "view"), (Allow, "profile:expert", "create"), DENY_ALL]

    def new_id(self) -> str:
        while True:
            candidate = secrets.token_hex(8)
            if candidate not in self:
                return candidate


def find_expertise(context) -> Expertise | None:
    """The expertise ``context`` belongs to (itself if it is one), or None."""
    return next((node for node in lineage(context) if isinstance(node, Expertise)), None)
