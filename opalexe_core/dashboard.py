"""A participant's dashboard: its cases, searched, filtered and paged, from
the index (:mod:`opalexe_core.resources.case_index`), never from the cases.

Reads only: the account's case ids, one summary per case, the court index
when a court is chosen, and the unread counts of the page shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from .contract import Status
from .numbers import fold, number_key
from .resources.case_index import CaseSummary

PAGE_SIZE = 25


@dataclass(frozen=True)
class DashboardRow:
    summary: CaseSummary
    role: str
    unread: int
    deadline: date | None
    overdue: bool


@dataclass(frozen=True)
class Dashboard:
    rows: tuple[DashboardRow, ...]
    total: int  # cases matching, all pages
    page: int
    pages: int
    courts: tuple[str, ...]  # the courts of the account's cases, for the court filter
    count: int = 0  # the account's cases, whatever the filters


def matches(summary: CaseSummary, query: str) -> bool:
    """Whether ``query`` finds ``summary``: every word in its name, numbers or
    parties (accents and case ignored); a number written « year/order » also
    finds its other spellings (``18/1`` finds ``RG18-1`` and ``18/00001``)."""
    words = fold(query).split()
    if not words:
        return True
    key = number_key(query.strip(), "rg") or number_key(query.strip(), "exp")
    if key is not None and key in summary.search_text:
        return True
    return all(word in summary.search_text for word in words)


def dashboard(index, account, *, query: str = "", status: str = "", court: str = "", page: int = 1,
              today: date, page_size: int = PAGE_SIZE) -> Dashboard:
    """The page ``page`` of the cases ``account`` actively takes part in,
    filtered by ``status`` and ``court`` and searched with ``query``;
    ordered by next deadline (the overdue first, then the nearest; cases
    without one last), then name."""
    mine = index.cases_of(account)
    courts = tuple(sorted({summary.jurisdiction_code for summary in mine}))
    selected = index.cases_of(account, court) if court else mine
    try:
        wanted = Status(status) if status else None
    except ValueError:
        wanted = None
        selected = []
    found = []
    for summary in selected:
        if wanted is not None and summary.status != wanted:
            continue
        if query and not matches(summary, query):
            continue
        deadline, overdue = summary.next_deadline(today)
        found.append((summary, deadline, overdue))
    found.sort(key=lambda item: (item[1] is None, item[1] or date.max, item[0].name.casefold()))
    pages = max(1, math.ceil(len(found) / page_size))
    page = min(max(1, page), pages)
    shown = found[(page - 1) * page_size: page * page_size]
    rows = tuple(
        DashboardRow(summary, summary.role_of(account.id), index.unread_count(account.id, summary.id), deadline,
                     overdue)
        for summary, deadline, overdue in shown
    )
    return Dashboard(rows=rows, total=len(found), page=page, pages=pages, courts=courts, count=len(mine))
