"""Traversal: the persistent object graph and its ``__acl__``.

``Root`` → ``expertises`` (:class:`Expertises`) → :class:`Expertise` →
``dossiers`` folders (:class:`Folder`); ``comptes`` (:class:`Accounts`);
``juridictions`` (:class:`Jurisdictions`); ``settings`` (not traversable).
"""

from .accounts import Account, Accounts
from .container import Container
from .expertise import Expertise, Expertises, Folder, Participant, Party
from .jurisdictions import Jurisdiction, Jurisdictions
from .root import ROOT_KEY, Root, SiteSettings, root_factory

__all__ = [
    "Account",
    "Accounts",
    "Container",
    "Expertise",
    "Expertises",
    "Folder",
    "Jurisdiction",
    "Jurisdictions",
    "Participant",
    "Party",
    "ROOT_KEY",
    "Root",
    "SiteSettings",
    "root_factory",
]
