"""Accounts: the people known to the platform, whatever case they are in."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from ..labels import PROFILE_LABELS
from .container import Container

ADMIN_PRINCIPAL = "group:admin"

#: How long a login lasts at most, however active the session: a working day.
LOGIN_LIFETIME = timedelta(hours=10)


def normalize_email(email: str) -> str:
    return email.strip().lower()


class Account(Persistent):
    """A person. ``profile`` is what the person is (``expert``, ``avocat``…);
    the role played in each case is held by that case's participants.

    ``expertise_ids`` indexes the cases this account takes part in, so a
    dashboard reads a handful of ids instead of scanning every case.

    ``logins`` holds the open logins (login id → when it was opened). The
    session cookie only carries a login id: logging out closes it here, so a
    copy of the cookie taken before is worth nothing afterwards, and no login
    outlives :data:`LOGIN_LIFETIME`.
    """

    __parent__ = None
    __name__ = None

    def __init__(self, first_name: str, last_name: str, email: str, profile: str, is_admin: bool = False):
        if profile not in PROFILE_LABELS:
            raise ValueError(f"unknown profile: {profile!r}")
        self.first_name = first_name.strip()
        self.last_name = last_name.strip()
        self.email = normalize_email(email)
        self.profile = profile
        self.is_admin = is_admin
        self.created_at = datetime.now(UTC)
        self.expertise_ids = OOTreeSet()
        self.logins = OOBTree()

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
        return opened is not None and now - opened < LOGIN_LIFETIME

    def close_login(self, login_id: str) -> None:
        self.logins.pop(login_id, None)

    @property
    def id(self) -> str:
        return self.__name__

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}".strip()

    __acl__ = [DENY_ALL]


class Accounts(Container):
    """The accounts directory, keyed by a random id, indexed by e-mail."""

    __acl__ = [(Allow, ADMIN_PRINCIPAL, ALL_PERMISSIONS), DENY_ALL]

    def __init__(self):
        super().__init__()
        self.by_email = OOBTree()

    def find_by_email(self, email: str) -> Account | None:
        account_id = self.by_email.get(normalize_email(email))
        return self.get(account_id) if account_id else None

    def add_account(self, account: Account) -> Account:
        if account.email in self.by_email:
            raise KeyError(f"e-mail already registered: {account.email}")
        account_id = secrets.token_hex(8)
        while account_id in self:
            account_id = secrets.token_hex(8)
        self.add(account_id, account)
        self.by_email[account.email] = account_id
        return account
