"""Reading the journal (an expertise's, or all of it), and signing a tree
head on demand. Reads emit no event: the request's own entry records them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..contract import JournalHeadSigned, UserError
from ..i18n import _
from ..journal.records import PARIS, parse_utc
from ..journal.store import get_journal
from ..journal.writer import journal_connection
from ..permissions import ADMIN, JOURNAL
from .platform import Actor, Platform

#: How many entries a page shows at most (the most recent first).
PAGE_SIZE = 300
#: How many entries a page reads at most to find them: a filter matching
#: little of a large journal stops there (narrow the dates, or export).
SCAN_LIMIT = 50_000


@dataclass(frozen=True)
class Filters:
    account: str | None = None  # an account id
    action: str | None = None
    since: date | None = None  # Paris days, inclusive
    until: date | None = None
    expertise: str | None = None  # the administrator's filter


@dataclass
class JournalPage:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (seq, entry), most recent first
    more: bool = False
    size: int = 0
    unsealed: int = 0
    last_head: dict | None = None


def _paris_bounds(filters: Filters):
    since = datetime.combine(filters.since, time(), PARIS) if filters.since else None
    until = datetime.combine(filters.until + timedelta(days=1), time(), PARIS) if filters.until else None
    return since, until


def _matches(data: dict, filters: Filters, since, until) -> bool:
    if filters.account and data.get("account") != filters.account and (
            (data.get("details") or {}).get("account_id") != filters.account):
        return False
    if filters.action and data.get("action") != filters.action:
        return False
    if filters.expertise and data.get("expertise") != filters.expertise:
        return False
    if since or until:
        at = parse_utc(data["at"])
        if since and at < since or until and at >= until:
            return False
    return True


def _page(journal, numbers, filters: Filters) -> JournalPage:
    page = JournalPage(size=journal.state.size, unsealed=journal.unsealed())
    if len(journal.heads):
        page.last_head = journal.heads[journal.heads.maxKey()][0]
    since, until = _paris_bounds(filters)
    for scanned, seq in enumerate(numbers):
        if scanned >= SCAN_LIMIT:
            page.more = True
            break
        data = journal.log[seq][2].data
        if not _matches(data, filters, since, until):
            continue
        if len(page.rows) >= PAGE_SIZE:
            page.more = True
            break
        page.rows.append((seq, data))
    return page


def expertise_journal(platform: Platform, actor: Actor, expertise, filters: Filters = Filters()) -> JournalPage:
    """The sealed entries about ``expertise`` (the expert, co-experts and the magistrate)."""
    platform.require(actor, JOURNAL, expertise,
                     _("Seuls l'expert, les co-experts et le magistrat consultent le journal de l'expertise."))
    journal = get_journal(journal_connection(platform.root))
    numbers = journal.by_expertise.get(expertise.id)
    return _page(journal, reversed(list(numbers)) if numbers is not None else (), filters)


def platform_journal(platform: Platform, actor: Actor, filters: Filters = Filters()) -> JournalPage:
    """Every sealed entry (the platform's administrator)."""
    platform.require(actor, ADMIN, platform.root, _("Seul l'administrateur de la plateforme consulte tout le journal."))
    journal = get_journal(journal_connection(platform.root))
    if filters.expertise:
        numbers = reversed(list(journal.by_expertise.get(filters.expertise, ())))
    elif filters.account:
        numbers = reversed(list(journal.by_account.get(filters.account, ())))
    else:
        numbers = reversed(journal.log.keys())
    return _page(journal, numbers, filters)


def sign_now(platform: Platform, actor: Actor, sequencer) -> dict:
    """Seal what is waiting and sign a tree head now (the administrator)."""
    platform.require(actor, ADMIN, platform.root, _("Seul l'administrateur de la plateforme signe le journal."))
    if sequencer is None or sequencer.signer is None:
        raise UserError(_("Aucune clé de signature n'est configurée (module PKCS#11) : le journal ne peut être "
                          "signé."))
    report = sequencer.run(sign=True)
    if report.head is None:
        raise UserError(_("Le journal n'a pas pu être signé maintenant : réessayez dans quelques secondes."))
    head = report.head
    platform.event(JournalHeadSigned, actor, platform.root, number=head["number"], tree_size=head["tree_size"],
                   root_hash=head["root_hash"])
    return head

