"""The « Annuaire des avocats »: fed by each lawyer's login, searched by experts.

A provider of lawyers' keys (``auth_rpva``) vouches for an identity of
profile ``avocat`` whose attributes name its bar (``bar``); at each login of
such an identity the core lists the lawyer, or brings its entry up to date,
in the login's transaction (:func:`record`, event
:class:`~opalexe_core.contract.LawyerListed` when something changed).
"""

from __future__ import annotations

from ..contract import LawyerFacts, LawyerListed, Profile
from ..i18n import _
from ..permissions import VIEW
from .platform import Actor, Platform, Refused

#: The most entries a search gives.
SEARCH_LIMIT = 50


def record(platform: Platform, actor: Actor, account, bar: str):
    """List ``account`` (a lawyer who just logged in: the actor itself) with
    its ``bar``; the entry, and one event when it is new or changed."""
    if actor.account is not account and not actor.is_platform:
        raise Refused(_("Seul l'avocat lui-même, à sa connexion, met à jour son inscription à l'annuaire."))
    if Profile(account.profile) != Profile.AVOCAT or not (bar or "").strip():
        return None
    directory = platform.root.lawyers
    entry, first, changed = directory.record(account, bar, platform.now())
    if changed:
        platform.event(LawyerListed, actor, directory, account_id=account.id, bar=entry.bar, first_listed=first)
    return entry


def search(platform: Platform, actor: Actor, text: str, limit: int = SEARCH_LIMIT) -> tuple[LawyerFacts, ...]:
    """The lawyers whose name or bar hold every word of ``text`` (each word as
    the start of one of theirs), by name. For experts and administrators."""
    directory = platform.root.lawyers
    platform.require(actor, VIEW, directory, _("L'annuaire des avocats est réservé aux experts."))
    return tuple(entry.facts() for entry in directory.search(text, limit=max(1, min(limit, SEARCH_LIMIT))))
