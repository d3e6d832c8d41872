"""The jurisdictions directory: every court that can order an expertise."""

from __future__ import annotations

from persistent import Persistent
from pyramid.authorization import DENY_ALL, Allow, Authenticated

from ..contract import CourtKind, JurisdictionSpec, Profile
from ..permissions import SEND_SAISINE, STAFF
from .container import Container
from .saisine import court_principal


class Jurisdiction(Persistent):
    """A court. Its clerks (accounts attached to it) send designations in
    its name; its clerks and magistrates replace one of them on its running
    cases. Anything else falls through to the directory's ACL."""

    __parent__ = None
    __name__ = None

    @property
    def __acl__(self):
        return [(Allow, court_principal(self.code, Profile.GREFFIER), (SEND_SAISINE, STAFF)),
                (Allow, court_principal(self.code, Profile.MAGISTRAT), STAFF)]

    def __init__(self, spec: JurisdictionSpec):
        self.update(spec)

    def update(self, spec: JurisdictionSpec) -> None:
        self.code = spec.code
        self.kind = CourtKind(spec.kind)
        self.name = spec.name
        self.short_name = spec.short_name
        self.city = spec.city
        self.parent = spec.parent
        self.expertise_email = spec.expertise_email

    def spec(self) -> JurisdictionSpec:
        return JurisdictionSpec(
            code=self.code,
            kind=self.kind,
            name=self.name,
            short_name=self.short_name,
            city=self.city,
            parent=self.parent,
            expertise_email=self.expertise_email,
        )


class Jurisdictions(Container):
    """Courts keyed by code (``tj-angers``), readable by every logged-in user."""

    __acl__ = [(Allow, Authenticated, "view"), DENY_ALL]

    def sync(self, specs) -> tuple[int, int]:
        """Add or update courts from specs; returns (added, updated)."""
        added = updated = 0
        for spec in specs:
            current = self.get(spec.code)
            if current is None:
                self.add(spec.code, Jurisdiction(spec))
                added += 1
            elif current.spec() != spec:
                current.update(spec)
                updated += 1
        return added, updated

    def of_kind(self, *kinds: CourtKind | str):
        return [j for j in self.values() if j.kind in kinds]
