"""Designations (« saisines »): a court designating an expert through the
platform instead of sending the order by post.

The court's clerk sends one to an expert, registered or not (the
unregistered one is invited by e-mail and receives it once registered);
the expert accepts it, which creates the case pre-filled from it, or
declines it with a reason, which the clerk reads.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import DENY_ALL, Allow, Authenticated

from ..contract import Profile, SaisineStatus
from ..permissions import ANSWER, VIEW
from .container import Container


def court_principal(jurisdiction_code: str, profile: Profile | str) -> str:
    """The principal of the magistrates or clerks attached to a court."""
    return f"court:{jurisdiction_code}:{Profile(profile).value}"


class SaisineOrder(Persistent):
    """The designation order the clerk attached to a designation: a PDF
    sealed under the platform's master key exactly as a document is (see
    :mod:`opalexe_core.services.sealing`), in a ZODB blob of its own (the
    uploads folder's expiry does not reach it). When the expert accepts, the
    case's «greffe→expert-parties» document shares this blob."""

    __name__ = "ordonnance"

    def __init__(self, *, filename: str, content_type: str, size: int, sha256: str, blob, file_id: bytes,
                 segment_size: int, wrapped_key: bytes, key_label: str, attached_by: str | None,
                 attached_at: datetime):
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256
        self.blob = blob
        self.file_id = file_id
        self.segment_size = segment_size
        self.wrapped_key = wrapped_key
        self.key_label = key_label
        self.attached_by = attached_by
        self.attached_at = attached_at


class Saisine(Persistent):
    """One designation. ``case``: the facts of the order as the clerk gave
    them (court numbers, dates, mission, consignation, parties as
    (name, side, kind) in order); ``expert_account_id`` is ``None`` until an
    invited expert receives it."""

    __parent__ = None
    __name__ = None
    order: SaisineOrder | None = None  # the designation order, once the clerk attached it (issue 15)

    def __init__(self, *, jurisdiction_code: str, sent_by: str | None, sent_at: datetime, expert_email: str,
                 expert_account_id: str | None, case: dict):
        self.jurisdiction_code = jurisdiction_code
        self.sent_by = sent_by
        self.sent_at = sent_at
        self.expert_email = expert_email
        self.expert_account_id = expert_account_id
        self.case = dict(case)
        self.status = SaisineStatus.ENVOYEE
        self.answered_at = None
        self.decline_reason = ""
        self.expertise_id = None

    @property
    def id(self) -> str:
        return self.__name__

    @property
    def pending(self) -> bool:
        return self.status == SaisineStatus.ENVOYEE

    @property
    def __acl__(self):
        acl = []
        if self.expert_account_id:
            permissions = (VIEW, ANSWER) if self.pending else (VIEW,)
            acl.append((Allow, f"account:{self.expert_account_id}", permissions))
        acl += [(Allow, court_principal(self.jurisdiction_code, Profile.GREFFIER), VIEW),
                (Allow, court_principal(self.jurisdiction_code, Profile.MAGISTRAT), VIEW), DENY_ALL]
        return acl


class Saisines(Container):
    """Every designation, by random id, indexed by the expert it is
    addressed to and by court. Logged-in people reach the list (which shows
    each of them only its own); each designation's ACL decides the rest."""

    __acl__ = [(Allow, Authenticated, VIEW), DENY_ALL]

    def __init__(self):
        super().__init__()
        self.by_expert = OOBTree()
        self.by_court = OOBTree()

    def add_saisine(self, saisine: Saisine) -> Saisine:
        name = secrets.token_hex(8)
        while name in self:
            name = secrets.token_hex(8)
        self.add(name, saisine)
        self._index(self.by_court, saisine.jurisdiction_code, name)
        if saisine.expert_account_id:
            self._index(self.by_expert, saisine.expert_account_id, name)
        return saisine

    def addressed(self, saisine: Saisine, account_id: str) -> None:
        """``saisine`` is now addressed to ``account_id`` (an invited expert registered)."""
        saisine.expert_account_id = account_id
        self._index(self.by_expert, account_id, saisine.id)

    @staticmethod
    def _index(tree, key, name):
        ids = tree.get(key)
        if ids is None:
            ids = tree[key] = OOTreeSet()
        ids.add(name)

    def of_expert(self, account_id: str) -> list[Saisine]:
        return [self[name] for name in self.by_expert.get(account_id, ())]

    def of_court(self, jurisdiction_code: str) -> list[Saisine]:
        return [self[name] for name in self.by_court.get(jurisdiction_code, ())]
