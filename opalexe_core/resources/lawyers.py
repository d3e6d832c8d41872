"""The « Annuaire des avocats »: every lawyer who logged in with its key
(RPVA / e-Barreau), searchable by name and bar so that an expert can add a
lawyer to a party.

Entries are keyed by account id; ``words`` indexes each word of the name and
the bar (lower-case, without accents) to the accounts holding it, so that a
search reads a few index keys instead of every entry.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from ..contract import LawyerFacts, Profile
from ..permissions import VIEW
from .accounts import ADMIN_PRINCIPAL

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The searchable words of ``text``: lower-case, accents dropped."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _WORD.findall(plain)


class LawyerEntry(Persistent):
    def __init__(self, account_id: str):
        self.account_id = account_id
        self.first_name = self.last_name = self.bar = self.email = ""
        self.last_login: datetime | None = None

    def words(self) -> set[str]:
        return set(words(f"{self.first_name} {self.last_name} {self.bar}"))

    def facts(self) -> LawyerFacts:
        return LawyerFacts(
            account_id=self.account_id,
            first_name=self.first_name,
            last_name=self.last_name,
            display_name=f"{self.first_name} {self.last_name.upper()}".strip(),
            bar=self.bar,
            email=self.email,
            last_login=self.last_login,
        )


class LawyerDirectory(Persistent):
    """Experts (and administrators) may read it."""

    __parent__ = None
    __name__ = None
    __acl__ = [(Allow, ADMIN_PRINCIPAL, ALL_PERMISSIONS), (Allow, f"profile:{Profile.EXPERT}", VIEW), DENY_ALL]

    def __init__(self):
        self.entries = OOBTree()
        self.words = OOBTree()
        self.count = Length(0)

    def __len__(self):
        return self.count()

    def get(self, account_id: str) -> LawyerEntry | None:
        return self.entries.get(account_id)

    def record(self, account, bar: str, now: datetime) -> tuple[LawyerEntry, bool, bool]:
        """Add or update the entry of ``account`` from its key's ``bar``;
        (entry, first listed, changed)."""
        entry = self.entries.get(account.id)
        first = entry is None
        if first:
            entry = self.entries[account.id] = LawyerEntry(account.id)
            self.count.change(1)
        before = (entry.first_name, entry.last_name, entry.bar, entry.email)
        old_words = entry.words()
        entry.first_name, entry.last_name, entry.bar, entry.email = (
            account.first_name, account.last_name, " ".join(bar.split()), account.email)
        entry.last_login = now
        new_words = entry.words()
        for word in old_words - new_words:
            holders = self.words.get(word)
            if holders is not None:
                holders.remove(account.id)
                if not holders:
                    del self.words[word]
        for word in new_words - old_words:
            self.words.setdefault(word, OOTreeSet()).insert(account.id)
        changed = first or before != (entry.first_name, entry.last_name, entry.bar, entry.email)
        return entry, first, changed

    def search(self, text: str, limit: int = 50) -> list[LawyerEntry]:
        """The entries holding every word of ``text`` (each as the start of one
        of their words), by name; every entry for an empty text."""
        wanted = words(text)
        if not wanted:
            ids = list(self.entries.keys())
        else:
            found: set[str] | None = None
            for word in wanted:
                matching: set[str] = set()
                for key in self.words.keys(min=word, max=word + "\x7f"):
                    matching.update(self.words[key])
                found = matching if found is None else found & matching
                if not found:
                    return []
            ids = list(found)
        entries = [self.entries[account_id] for account_id in ids]
        entries.sort(key=lambda entry: (words(entry.last_name), words(entry.first_name), entry.account_id))
        return entries[:limit]
