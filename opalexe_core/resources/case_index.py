"""The indexes dashboards read instead of the cases themselves.

A dashboard lists a few hundred cases among tens of thousands: it must read
neither every case nor even each of its own cases. Each case keeps a
:class:`CaseSummary` (plain data, stored inside the buckets of one BTree),
which the services refresh whenever they change what it holds; an account's
cases are ``Account.expertise_ids``; a court's are :attr:`CaseIndex.by_court`.
A dashboard therefore reads one BTree lookup per case of its account, and
filters, searches and pages those summaries in memory.

``unread`` counts, per participant and case, the documents it has not
opened yet: zero until documents exist. Deposits add to it and first reads
take from it (:meth:`CaseIndex.change_unread`); each count is its own
``BTrees.Length``, so concurrent deposits and reads never conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree, OOTreeSet, intersection
from persistent import Persistent

from ..contract import Role, Status
from ..numbers import fold, number_key


@dataclass(frozen=True)
class CaseSummary:
    """What a dashboard row shows of a case, and what its search reads.

    ``members``: (account id, role, active) of every participant;
    ``search_text``: the name, numbers (as stored and as keys) and parties'
    names, folded (:func:`~opalexe_core.numbers.fold`)."""

    id: str
    name: str
    status: Status
    jurisdiction_code: str
    rg: str
    exp: str | None
    parties: tuple[str, ...]
    deadlines: tuple[date, ...]
    members: tuple[tuple[str, Role, bool], ...]
    search_text: str

    def role_of(self, account_id: str) -> Role | None:
        """The role of ``account_id`` if it is an active participant."""
        for member, role, active in self.members:
            if member == account_id:
                return role if active else None
        return None

    def next_deadline(self, today: date) -> tuple[date | None, bool]:
        """(the next date to meet, whether it is already past): the first one
        not past yet, else the last one (overdue) while the case runs."""
        for deadline in self.deadlines:
            if deadline >= today:
                return deadline, False
        if self.deadlines and Status(self.status) in (Status.CREEE, Status.EN_COURS):
            return self.deadlines[-1], True
        return None, False


def summarize(expertise) -> CaseSummary:
    parties = tuple(party.name for party in expertise.parties)
    numbers = [expertise.rg or "", expertise.exp or ""]
    numbers += [key for key in (number_key(expertise.rg, "rg"), number_key(expertise.exp, "exp")) if key]
    return CaseSummary(
        id=expertise.id,
        name=expertise.name,
        status=Status(expertise.status),
        jurisdiction_code=expertise.jurisdiction_code,
        rg=expertise.rg,
        exp=expertise.exp,
        parties=parties,
        deadlines=expertise.deadlines(),
        members=tuple((p.account_id, Role(p.role), bool(p.active)) for p in expertise.participants.values()),
        search_text=fold(" | ".join([expertise.name, *numbers, *parties])),
    )


def _exp_key(jurisdiction_code: str, key: str) -> str:
    return f"{jurisdiction_code}|{key}"


class CaseIndex(Persistent):
    """Summaries by case id, case ids by court, case ids by (court, EXP
    number), unread counts by (account, case)."""

    def __init__(self):
        self.summaries = OOBTree()
        self.by_court = OOBTree()
        self.by_exp = OOBTree()
        self.unread = OOBTree()

    # -- keeping it in step ---------------------------------------------------------------

    def refresh(self, expertise) -> CaseSummary:
        """Index ``expertise`` as it is now (idempotent)."""
        summary = summarize(expertise)
        if self.summaries.get(expertise.id) != summary:
            self.summaries[expertise.id] = summary
        court = self.by_court.get(expertise.jurisdiction_code)
        if court is None:
            court = self.by_court[expertise.jurisdiction_code] = OOTreeSet()
        if expertise.id not in court:
            court.add(expertise.id)
        key = number_key(expertise.exp, "exp")
        if key is not None and _exp_key(expertise.jurisdiction_code, key) not in self.by_exp:
            self.by_exp[_exp_key(expertise.jurisdiction_code, key)] = expertise.id
        return summary

    # -- reading it -------------------------------------------------------------------------

    def summary(self, expertise_id: str) -> CaseSummary | None:
        return self.summaries.get(expertise_id)

    def case_with_exp(self, jurisdiction_code: str, exp: str | None) -> str | None:
        """The id of the case of that court holding that EXP number, if any."""
        key = number_key(exp, "exp")
        return self.by_exp.get(_exp_key(jurisdiction_code, key)) if key else None

    def court_cases(self, jurisdiction_code: str):
        return self.by_court.get(jurisdiction_code) or OOTreeSet()

    def cases_of(self, account, jurisdiction_code: str | None = None) -> list[CaseSummary]:
        """The summaries of the cases ``account`` is an active participant
        of (of one court only, with ``jurisdiction_code``)."""
        ids = account.expertise_ids
        if jurisdiction_code is not None:
            court = self.by_court.get(jurisdiction_code)
            ids = intersection(ids, court) if court is not None else ()
        found = []
        for expertise_id in ids or ():
            summary = self.summaries.get(expertise_id)
            if summary is not None and summary.role_of(account.id) is not None:
                found.append(summary)
        return found

    # -- unread documents -------------------------------------------------------------------

    def unread_count(self, account_id: str, expertise_id: str) -> int:
        counter = self.unread.get(f"{account_id}|{expertise_id}")
        return counter() if counter is not None else 0

    def change_unread(self, account_id: str, expertise_id: str, delta: int) -> None:
        key = f"{account_id}|{expertise_id}"
        counter = self.unread.get(key)
        if counter is None:
            counter = self.unread[key] = Length(0)
        counter.change(delta)
