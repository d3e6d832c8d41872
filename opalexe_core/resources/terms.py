"""The terms of use (« conditions générales d'utilisation », CGU): their
versions, each in force from a day on.

A new version is announced ahead of its day (the terms themselves promise
four months of notice, :mod:`opalexe_core.services.terms`) and must be
accepted at the first login after it; each account keeps its acceptances
(version → when, :attr:`Account.terms_accepted
<opalexe_core.resources.accounts.Account.terms_accepted>`).
"""

from __future__ import annotations

from datetime import date

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Everyone

from ..contract import TermsVersion
from ..permissions import VIEW
from .accounts import ADMIN_PRINCIPAL


class TermsOfUse(Persistent):
    """Versions by label (``v202004-01``); anybody may read them."""

    __parent__ = None
    __name__ = None
    __acl__ = [(Allow, ADMIN_PRINCIPAL, ALL_PERMISSIONS), (Allow, Everyone, VIEW), DENY_ALL]

    def __init__(self):
        self.versions = OOBTree()

    def get(self, version: str) -> TermsVersion | None:
        return self.versions.get(version)

    def add(self, terms: TermsVersion) -> None:
        if terms.version in self.versions:
            raise KeyError(terms.version)
        self.versions[terms.version] = terms

    def all(self) -> list[TermsVersion]:
        """Every version, the latest in force last."""
        return sorted(self.versions.values(), key=lambda terms: (terms.effective_on, terms.published_at))

    def in_force(self, today: date) -> TermsVersion | None:
        """The version that applies on ``today``: the last one whose day has come."""
        current = [terms for terms in self.all() if terms.effective_on <= today]
        return current[-1] if current else None

    def announced(self, today: date) -> TermsVersion | None:
        """The next version to come into force after ``today``, if one is published."""
        coming = [terms for terms in self.all() if terms.effective_on > today]
        return coming[0] if coming else None
