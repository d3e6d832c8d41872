"""Expertises, their parties, participants and folders ("coffres").

*Expertise*: a court-ordered expert assessment. *RG*: the number of the
proceedings at the court; *EXP* (or *MI*): the number given by the court's
expertise-control service. A party that does not dematerialise
(``paper_reason``) must still be served on paper (registered letter).

Persistent classes hold data and invariants only: who may change them, and
the events a change emits, are the services' business
(:mod:`opalexe_core.services.expertises`). A folder's rights come from the
rights matrix the security policy holds, not from the folder.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from pyramid.authorization import DENY_ALL, Allow, Authenticated
from pyramid.location import lineage

from ..contract import ExpertiseFacts, PartyFacts, PartyKind, PartySide, Right, Role, Status
from ..rights import role_principal
from .case_index import CaseIndex
from .container import Container
from .documents import Documents, Numbering
from .text import clean_name


def _now():
    return datetime.now(UTC)


class Party(Persistent):
    """A party to the proceedings, in the order of the decision. ``id`` is
    unique within its case (:meth:`Expertise.add_party` gives it)."""

    id = None
    paper_note = ""  # what the expert added to the paper flag's reason

    def __init__(self, name: str, side: PartySide | str, kind: PartyKind | str = PartyKind.MORALE):
        self.name = clean_name(name, "party name")
        self.side = PartySide(side)
        self.kind = PartyKind(kind)
        self.paper_reason = None  # a PaperReason when served on paper

    @property
    def served_on_paper(self) -> bool:
        return self.paper_reason is not None

    def facts(self) -> PartyFacts:
        return PartyFacts(name=self.name, kind=PartyKind(self.kind), side=PartySide(self.side))


class Participant(Persistent):
    """An account's part in one expertise; ``active`` False keeps its history.

    ``capacity``: for an intervenant de partie, in which capacity it acts
    (:class:`~opalexe_core.contract.IntervenantCapacity`). ``changes``: the
    activations and deactivations after it was added, as (active, actor
    account id, when, reason)."""

    # Class defaults: participants stored before these existed read them.
    capacity = None
    changes = ()

    # Set when the participant was invited by e-mail (issue #19): when, and
    # the account id of who invited it. Class defaults: older records read None.
    invited_at = None
    invited_by = None

    def __init__(self, account_id: str, role: Role, party_id: str | None = None):
        self.account_id = account_id
        self.role = Role(role)
        self.party_id = party_id
        self.active = True
        self.added_at = _now()

    def record_change(self, active: bool, actor_id: str | None, when, reason: str = "") -> None:
        self.active = active
        self.changes = (*self.changes, (active, actor_id, when, reason))


class Folder(Container):
    """A folder of an expertise; ``kind`` keys the rights matrix, which the
    security policy turns into this folder's ACL. Its items are its
    sub-folders; its deposited documents are in ``documents``
    (:mod:`opalexe_core.resources.documents`), traversed by that name.

    ``grants``: the expert's exceptions to the matrix for this folder, one
    per participant (account id → :class:`~opalexe_core.contract.Right`;
    ``none`` withdraws what the matrix gives). Made at the first exception."""

    DOCUMENTS = "documents"
    grants = None

    def __init__(self, kind: str, title: str, party_id: str | None = None):
        super().__init__()
        self.kind = kind
        self.title = title
        self.party_id = party_id
        self.add_documents()

    def add_documents(self) -> None:
        """Give the folder its documents and its numbering (new folders, and
        evolve step 5 for the folders made before)."""
        if getattr(self, "documents", None) is None:
            self.documents = Documents()
            self.documents.__parent__ = self
            self.documents.__name__ = self.DOCUMENTS
        if getattr(self, "numbering", None) is None:
            self.numbering = Numbering()

    def __getitem__(self, name):
        if name == self.DOCUMENTS:
            return self.documents
        return super().__getitem__(name)

    @property
    def expertise(self) -> Expertise | None:
        return find_expertise(self)

    @property
    def path(self) -> tuple[str, ...]:
        """Its names below the case's ``dossiers``: ``("09-greffe", "01-rapport-definitif")``."""
        names = []
        node = self
        while isinstance(node, Folder):
            names.append(node.__name__)
            node = node.__parent__
        return tuple(reversed(names))

    def grant_of(self, account_id: str) -> Right | None:
        """The exception to the matrix for ``account_id`` here, if any."""
        grants = self.grants
        value = grants.get(account_id) if grants is not None else None
        return Right(value) if value is not None else None

    def set_grant(self, account_id: str, right: Right | None) -> None:
        """Record (or, with ``None``, forget) the exception for ``account_id``."""
        if right is None:
            if self.grants is not None:
                self.grants.pop(account_id, None)
            return
        if self.grants is None:
            self.grants = OOBTree()
        self.grants[account_id] = Right(right)


class Expertise(Persistent):
    """One case. Its ACL grants by role in the case; the platform
    administrator gets nothing here (least privilege)."""

    __parent__ = None
    __name__ = None

    #: software certificates issued for this case's participants, for billing
    #: (issue #19): ((serial in hex, when), ...), reassigned on each issue
    certificates_issued = ()

    __acl__ = [
        (Allow, role_principal(Role.EXPERT), ("view", "manage", "advance", "journal")),
        (Allow, role_principal(Role.CO_EXPERT), ("view", "manage", "journal")),
        (Allow, role_principal(Role.MAGISTRAT), ("view", "journal")),
        *[(Allow, role_principal(role), "view") for role in Role],
        DENY_ALL,
    ]

    # Class defaults: cases stored before these existed read them.
    consignation_amount = None  # a Decimal, in euros
    consignation_due = None  # a date
    magistrate_contact = ""  # who controls the expertise for the court: a name, an address
    clerk_contact = ""
    saisine_id = None  # the designation it was created from, if any
    objections = ()  # (party id, account id, reason, recorded by, when)

    def __init__(self, *, name, rg, exp, jurisdiction_code, order_date=None, mission="", report_due=None):
        self.name = name
        self.rg = rg
        self.exp = exp
        self.jurisdiction_code = jurisdiction_code
        self.order_date = order_date
        self.mission = mission
        self.report_due = report_due
        self.status = Status.CREEE
        self.created_at = _now()
        # (status, actor account id or None, when): the first is « créée »
        self.status_history = PersistentList([(Status.CREEE, None, self.created_at)])
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

    @property
    def takes_deposits(self) -> bool:
        return Status(self.status).takes_deposits

    def add_party(self, party: Party) -> Party:
        """Append ``party`` with an id no other party of this case has."""
        taken = {p.id for p in self.parties}
        party.id = secrets.token_hex(4)
        while party.id in taken:
            party.id = secrets.token_hex(4)
        self.parties.append(party)
        return party

    def party(self, party_id: str | None) -> Party | None:
        return next((p for p in self.parties if p.id == party_id), None)

    def first(self, side: PartySide | str) -> Party | None:
        return next((p for p in self.parties if p.side == side), None)

    def active_participant(self, account_id: str | None) -> Participant | None:
        participant = self.participants.get(account_id) if account_id else None
        return participant if participant is not None and participant.active else None

    def participants_by_role(self, role: Role):
        return [p for p in self.participants.values() if p.role == Role(role)]

    def deadlines(self) -> tuple[date, ...]:
        """The dates the case must meet, earliest first: the consignation's, the report's."""
        return tuple(sorted(d for d in (self.consignation_due, self.report_due) if d is not None))

    def objections_to(self, account_id: str) -> list[tuple]:
        return [objection for objection in self.objections if objection[1] == account_id]

    def facts(self) -> ExpertiseFacts:
        return ExpertiseFacts(
            id=self.id,
            name=self.name,
            status=Status(self.status),
            jurisdiction_code=self.jurisdiction_code,
            rg=self.rg,
            exp=self.exp,
            parties=tuple(p.facts() for p in self.parties),
            created_at=self.created_at,
            status_history=tuple((Status(status), at) for status, _actor, at in self.status_history),
            software_certificates=tuple(at for _serial, at in self.certificates_issued),
        )


class Expertises(Container):
    """Every expertise, keyed by a random id (a guessed URL finds nothing to
    read anyway: each expertise's ACL admits its participants only)."""

    # DENY_ALL: nothing more comes from the root's ACL (the administrator's
    # permissions stop here: the administrator creates and reads no case).
    __acl__ = [(Allow, Authenticated, "view"), (Allow, "profile:expert", "create"), DENY_ALL]

    index = None  # a CaseIndex (evolve step 4 gives one to containers made before)

    def __init__(self):
        super().__init__()
        self.index = CaseIndex()

    def new_id(self) -> str:
        while True:
            candidate = secrets.token_hex(8)
            if candidate not in self:
                return candidate


def find_expertise(context) -> Expertise | None:
    """The expertise ``context`` belongs to (itself if it is one), or None."""
    return next((node for node in lineage(context) if isinstance(node, Expertise)), None)

