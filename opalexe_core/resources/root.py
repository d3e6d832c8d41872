"""The application root, kept under one key of the ZODB root mapping."""

from __future__ import annotations

from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated
from pyramid_zodbconn import get_connection

from ..permissions import DEFAULT_PERMISSION
from .accounts import ADMIN_PRINCIPAL

ROOT_KEY = "opalexe"


class SiteSettings(Persistent):
    """Settings an administrator may change while the platform runs, from the
    « Paramètres » page: the platform's name in the banner and page titles, and
    the support address shown at the foot of every page (empty: none)."""

    def __init__(self):
        self.platform_name = "Opalexe"
        self.contact_email = ""

    def update(self, platform_name: str, contact_email: str) -> None:
        platform_name, contact_email = platform_name.strip(), contact_email.strip()
        if not platform_name:
            raise ValueError("the platform needs a name")
        self.platform_name = platform_name
        self.contact_email = contact_email


class Root(Persistent):
    """The top of traversal. ``schema_version`` is the number of the last
    evolve step applied (see :mod:`opalexe_core.evolve`); ``outbox`` holds
    the events waiting for delivery (:mod:`opalexe_core.resources.outbox`).

    Logged-in people hold the default permission here (a view declared
    without a permission is theirs, nobody else's); public pages say so."""

    __name__ = ""
    __parent__ = None
    __acl__ = [(Allow, ADMIN_PRINCIPAL, ALL_PERMISSIONS), (Allow, Authenticated, DEFAULT_PERMISSION), DENY_ALL]

    #: child name in URLs -> attribute
    _children = {"expertises": "expertises", "comptes": "accounts", "juridictions": "jurisdictions",
                 "cgu": "terms", "annuaire-avocats": "lawyers"}

    def __init__(self):
        self.schema_version = 0

    def __getitem__(self, name):
        attribute = self._children.get(name)
        child = getattr(self, attribute, None) if attribute else None
        if child is None:
            raise KeyError(name)
        return child


class RootMissing(RuntimeError):
    """The database holds no Opalexe root: run ``opalexe init`` first."""


def get_root(zodb_root) -> Root:
    try:
        return zodb_root[ROOT_KEY]
    except KeyError:
        raise RootMissing("la base ne contient pas de plateforme Opalexe : lancez « opalexe init »") from None


def root_factory(request) -> Root:
    return get_root(get_connection(request).root())


def request_root(request) -> Root:
    """``request.opalexe_root``: the platform's root, whatever ``request.root``
    is: a plugin route may bring a root factory of its own, and a request that
    failed before traversal (an undecodable URL) has none."""
    root = getattr(request, "root", None)
    return root if isinstance(root, Root) else root_factory(request)
