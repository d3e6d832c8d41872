"""Accounts: the people known to the platform, whatever case they are in."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from ..contract import AccountFacts, Profile
from .container import Container
from .text import clean_name

ADMIN_PRINCIPAL = "group:admin"

#: How long a login lasts at most, however active the session: a working day.
LOGIN_LIFETIME = timedelta(hours=10)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def identity_key(provider: str, subject: str) -> str:
    """The key of an external identity in :attr:`Accounts.by_identity`."""
    return f"{provider}\x00{subject}"


class Account(Persistent):
    """A person. ``profile`` is what the person is (``expert``, ``avocat``…);
    the role played in each case is held by that case's participants.

    ``expertise_ids`` indexes the cases this account takes part in, so a
    dashboard reads a handful of ids instead of scanning every case.

    ``logins`` holds the open logins (login id → when it was opened). The
    session cookie only carries a login id: logging out closes it here, so a
    copy of the cookie taken before is worth nothing afterwards, and no login
    outlives :data:`LOGIN_LIFETIME`.

    A disabled account (``disabled_at`` set) cannot log in; its history stays.
    """

    __parent__ = None
    __name__ = None

    # Class defaults: accounts stored before these existed read them.
    disabled_at = None
    disabled_reason = ""
    registration = None  # what the registration form gave: {field name: value}
    court_code = None  # a magistrate's or clerk's court (a jurisdiction code)
    identity_facts = None  # the provider's attributes at the last login: {name: value} (court, bar…)
    terms_accepted = None  # the versions of the terms of use accepted: OOBTree version -> when

    def accepted_terms(self, version: str) -> bool:
        return self.terms_accepted is not None and version in self.terms_accepted

    def accept_terms(self, version: str, now: datetime) -> bool:
        """Record the acceptance of ``version``; False if it was already accepted."""
        if self.accepted_terms(version):
            return False
        if self.terms_accepted is None:
            self.terms_accepted = OOBTree()
        self.terms_accepted[version] = now
        return True

    __acl__ = [(Allow, ADMIN_PRINCIPAL, ALL_PERMISSIONS), DENY_ALL]

    def __init__(self, first_name: str, last_name: str, email: str, profile: Profile | str, is_admin: bool = False):
        self.first_name = clean_name(first_name, "first name")
        self.last_name = clean_name(last_name, "last name")
        self.email = normalize_email(email)
        if not self.email:
            raise ValueError("an account needs an e-mail address")
        self.profile = Profile(profile)
        self.is_admin = is_admin
        self.created_at = datetime.now(UTC)
        self.expertise_ids = OOTreeSet()
        self.logins = OOBTree()

    @property
    def id(self) -> str:
        return self.__name__

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}".strip()

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def facts(self) -> AccountFacts:
        return AccountFacts(
            id=self.id,
            email=self.email,
            first_name=self.first_name,
            last_name=self.last_name,
            profile=Profile(self.profile),
            display_name=self.display_name,
            active=self.active,
        )

    # -- logins ---------------------------------------------------------------------

    def open_login(self, now: datetime) -> str:
        """A new login id; logins past their lifetime are dropped."""
        for login_id, opened in list(self.logins.items()):
            if now - opened >= LOGIN_LIFETIME:
                del self.logins[login_id]
        login_id = secrets.token_urlsafe(18)
        self.logins[login_id] = now
        return login_id

    def login_is_open(self, login_id: str, now: datetime) -> bool:
        opened = self.logins.get(login_id)
        return self.active and opened is not None and now - opened < LOGIN_LIFETIME

    def close_login(self, login_id: str) -> bool:
        """Close one login; True if it was open."""
        return self.logins.pop(login_id, None) is not None

    def close_all_logins(self) -> int:
        count = len(self.logins)
        self.logins.clear()
        return count


class Accounts(Container):
    """The accounts directory, keyed by a random id, indexed by e-mail and by
    external identity (an authentication provider's subject)."""

    __acl__ = [(Allow, ADMIN_PRINCIPAL, ALL_PERMISSIONS), DENY_ALL]

    def __init__(self):
        super().__init__()
        self.by_email = OOBTree()
        self.by_identity = OOBTree()

    def find_by_email(self, email: str) -> Account | None:
        account_id = self.by_email.get(normalize_email(email))
        return self.get(account_id) if account_id else None

    def find_by_identity(self, provider: str, subject: str) -> Account | None:
        account_id = self.by_identity.get(identity_key(provider, subject))
        return self.get(account_id) if account_id else None

    def link_identity(self, account: Account, provider: str, subject: str) -> None:
        key = identity_key(provider, subject)
        linked = self.by_identity.get(key)
        if linked is not None and linked != account.id:
            raise KeyError(f"identity already linked to another account: {provider}")
        self.by_identity[key] = account.id

    def add_account(self, account: Account) -> Account:
        if account.email in self.by_email:
            raise KeyError(f"e-mail already registered: {account.email}")
        account_id = secrets.token_hex(8)
        while account_id in self:
            account_id = secrets.token_hex(8)
        self.add(account_id, account)
        self.by_email[account.email] = account_id
        return account
