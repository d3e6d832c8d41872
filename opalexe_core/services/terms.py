"""The terms of use: publishing a version, accepting it.

The terms (CGU, article 9) promise that a new version is announced « en
respectant un préavis de quatre (4) mois avant leur entrée en vigueur »: a
version published while another is in force comes into force four months
later at the earliest. It is announced at each login until then, and must be
accepted at the first login after its day; each acceptance is recorded with
its version and time (:class:`~opalexe_core.contract.TermsAccepted`).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..contract import TermsAccepted, TermsPublished, TermsVersion, UserError
from ..i18n import _
from ..permissions import ADMIN, DEFAULT_PERMISSION
from .platform import Actor, Platform, Refused

#: The months of notice before a new version comes into force.
NOTICE_MONTHS = 4
#: The platform's days are French ones.
PARIS = ZoneInfo("Europe/Paris")


def today(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_day(platform: Platform) -> date:
    """The first day a version published now may come into force."""
    now = today(platform.now())
    return months_after(now, NOTICE_MONTHS) if platform.root.terms.in_force(now) else now


def publish(platform: Platform, actor: Actor, *, version: str, title: str, effective_on: date,
            text: str) -> TermsVersion:
    """Publish a version of the terms, in force from ``effective_on``."""
    terms = platform.root.terms
    platform.require(actor, ADMIN, terms, _("Seul l'administrateur de la plateforme publie les conditions générales."))
    version, title, text = " ".join(version.split()), " ".join(title.split()), text.strip()
    if not version:
        raise UserError(_("Indiquez le numéro de version."), "version")
    if terms.get(version) is not None:
        raise UserError(_("La version ${version} existe déjà.", mapping={"version": version}), "version")
    if not text:
        raise UserError(_("Le texte des conditions générales est vide."), "text")
    earliest = earliest_day(platform)
    if effective_on < earliest:
        raise UserError(
            _("Une nouvelle version entre en vigueur au plus tôt le ${date} : les conditions générales en vigueur "
              "promettent un préavis de quatre mois.", mapping={"date": earliest.strftime("%d/%m/%Y")})
            if earliest > today(platform.now()) else
            _("La date d'entrée en vigueur ne peut pas être passée."),
            "effective_on",
        )
    published = TermsVersion(version=version, title=title or version, effective_on=effective_on, text=text,
                             published_at=platform.now())
    terms.add(published)
    platform.event(TermsPublished, actor, terms, version=version, effective_on=effective_on)
    return published


def accept(platform: Platform, actor: Actor, version: str) -> bool:
    """The logged-in actor accepts ``version`` (in force or announced); True
    and one event when it had not accepted it before."""
    terms = platform.root.terms
    platform.require(actor, DEFAULT_PERMISSION, platform.root, _("Connectez-vous pour accepter les conditions."))
    account = actor.account
    if account is None:
        raise Refused(_("Connectez-vous pour accepter les conditions."))
    accepted = terms.get(version)
    now = today(platform.now())
    if accepted is None or accepted not in (terms.in_force(now), terms.announced(now)):
        raise UserError(_("Cette version des conditions générales n'est pas à accepter."))
    if not account.accept_terms(version, platform.now()):
        return False
    platform.event(TermsAccepted, actor, account, account_id=account.id, version=version)
    return True


def to_accept(platform: Platform, account) -> TermsVersion | None:
    """The version in force that ``account`` has not accepted yet."""
    current = platform.root.terms.in_force(today(platform.now()))
    return current if current is not None and not account.accepted_terms(current.version) else None


def announced(platform: Platform, account) -> TermsVersion | None:
    """The version to come that ``account`` has not accepted yet."""
    coming = platform.root.terms.announced(today(platform.now()))
    return coming if coming is not None and not account.accepted_terms(coming.version) else None


def in_force(platform: Platform) -> TermsVersion | None:
    return platform.root.terms.in_force(today(platform.now()))
