"""The dashboard reads the index, never the cases: its search, filters,
order, paging and unread counts, and the proof that it leaves every case
unloaded."""

from datetime import date, timedelta

import pytest

from opalexe_core.dashboard import dashboard, matches
from opalexe_core.resources.case_index import CaseIndex
from opalexe_core.services.expertises import change_status
from opalexe_core.services.participants import deactivate_participant

TODAY = date(2021, 6, 1)


@pytest.fixture
def cases(world):
    """Twelve cases of the expert over three courts, with the lawyer in some."""
    made = []
    for number in range(12):
        court = ("tj-angers", "tj-laval", "tj-saumur")[number % 3]
        lawyers = {0: [world["avocat1"]]} if number % 2 == 0 else {}
        made.append(world.case(jurisdiction_code=court, rg=f"20/{number + 1:05d}", exp=f"20/{number + 1}",
                               parties=[(f"Dupont-{number}", "demandeur", "physique"),
                                        ("Société Générale d'Électricité", "defendeur", "morale")],
                               report_due=TODAY + timedelta(days=30 * (number - 2)), lawyers=lawyers))
    world.platform.transaction.commit()
    return made


def board(world, key="expert", **kw):
    return dashboard(world.platform.root.expertises.index, world[key], today=TODAY, **kw)


def test_the_dashboard_leaves_every_case_unloaded(world, cases):
    connection = world.platform.root._p_jar
    connection.cacheMinimize()  # every case is a ghost now
    result = board(world, query="electricite", court="tj-laval", page=1)
    assert result.total == 4
    assert all(case._p_changed is None for case in cases)  # not one was read


def test_search_finds_by_name_numbers_and_parties_without_accents_or_case(world, cases):
    assert board(world, query="DUPONT-7").total == 1
    assert board(world, query="société générale").total == 12
    assert board(world, query="20/00003").total == 1
    assert board(world, query="2020/3").total == 1  # the same number, written otherwise
    assert board(world, query="tj angers").total == 4
    assert board(world, query="Durand").total == 0
    assert [row.summary.rg for row in board(world, query="20/00011").rows] == ["20/00011"]


def test_filters_by_status_and_court_and_only_the_account_s_cases(world, cases):
    expert = world.actor("expert")
    change_status(world.platform, expert, cases[0], "en_cours")
    assert board(world, status="en_cours").total == 1 and board(world, status="creee").total == 11
    assert board(world, status="nimporte").total == 0
    assert board(world, court="tj-saumur").total == 4 and board(world, court="tj-nowhere").total == 0
    assert board(world, key="avocat1").total == 6 and board(world, key="avocat2").total == 0
    assert board(world, key="avocat1").courts == ("tj-angers", "tj-laval", "tj-saumur")
    deactivate_participant(world.platform, expert, cases[0], world["avocat1"].id)
    assert board(world, key="avocat1").total == 5


def test_next_deadline_orders_the_list_and_overdue_ones_are_said(world, cases):
    rows = board(world, page_size=50).rows
    # the overdue first, then the next ones
    assert [row.summary.rg for row in rows][:4] == ["20/00001", "20/00002", "20/00003", "20/00004"]
    overdue = [row for row in rows if row.overdue]
    assert {row.summary.rg for row in overdue} == {"20/00001", "20/00002"}
    assert overdue[0].deadline == TODAY - timedelta(days=60)


def test_paging(world, cases):
    first, second = board(world, page=1, page_size=5), board(world, page=3, page_size=5)
    assert (first.pages, len(first.rows), second.page, len(second.rows)) == (3, 5, 3, 2)
    assert board(world, page=99, page_size=5).page == 3 and board(world, page=-4, page_size=5).page == 1


def test_unread_counts_are_kept_per_participant_and_case(world, cases):
    index = world.platform.root.expertises.index
    assert {row.unread for row in board(world).rows} == {0}  # no document yet
    index.change_unread(world["avocat1"].id, cases[0].id, 3)
    index.change_unread(world["avocat1"].id, cases[0].id, -1)
    row = next(r for r in board(world, key="avocat1", query="Dupont-0").rows)
    assert row.unread == 2 and index.unread_count(world["expert"].id, cases[0].id) == 0


def test_the_count_is_every_case_the_participant_takes_part_in(world, cases):
    assert board(world, key="avocat1").count == 6


def test_matches_needs_every_word():
    index = CaseIndex()

    class Case:
        id, name, status, jurisdiction_code, rg, exp = "c1", "Dupont c/ Durand", "creee", "tj-angers", "18/00001", None
        parties, participants = (), {}

        @staticmethod
        def deadlines():
            return ()

    summary = index.refresh(Case())
    assert matches(summary, "dupont durand") and not matches(summary, "dupont martin")
    assert matches(summary, "RG18-1") and matches(summary, "  ")
