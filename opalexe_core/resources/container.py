"""A persistent container over an OOBTree, with a BTrees.Length counter.

Children get ``__parent__`` and ``__name__`` so that traversal, ``resource_url``
and ``lineage`` work; the length is kept in a ``Length`` object, which resolves
concurrent increments instead of turning them into write conflicts.
"""

from __future__ import annotations

import re

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class Container(Persistent):
    __parent__ = None
    __name__ = None

    def __init__(self):
        self._items = OOBTree()
        self._count = Length(0)

    def __getitem__(self, name):
        return self._items[name]

    def get(self, name, default=None):
        return self._items.get(name, default)

    def __contains__(self, name):
        return name in self._items

    def __len__(self):
        return self._count()

    def __iter__(self):
        return iter(self._items.keys())

    def keys(self, min=None, max=None):
        return self._items.keys(min, max)

    def values(self, min=None, max=None):
        return self._items.values(min, max)

    def items(self, min=None, max=None):
        return self._items.items(min, max)

    def add(self, name: str, child) -> object:
        """Add ``child`` under ``name``; a taken or malformed name is refused."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"invalid child name: {name!r}")
        if name in self._items:
            raise KeyError(f"name already taken: {name!r}")
        child.__parent__ = self
        child.__name__ = name
        self._items[name] = child
        self._count.change(1)
        return child

    def remove(self, name: str):
        child = self._items.pop(name)
        self._count.change(-1)
        child.__parent__ = None
        return child
