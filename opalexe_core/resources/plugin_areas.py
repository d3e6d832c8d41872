"""Plugins' storage areas: what a plugin keeps in the platform's database.

A plugin may not import the core's resources, yet some must keep state: an
authentication provider its password hashes, its pending codes, its
counters of failed attempts. Each plugin gets one :class:`PluginArea`, by
its name, reached through :class:`opalexe_core.api.PluginServices` (never
by walking the root). An area holds named BTrees of plain data; it is not
traversable (no URL reaches it) and the administrator's pages do not show it.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from BTrees.OOBTree import OOBTree
from persistent import Persistent

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")
_EMPTY = MappingProxyType({})


def check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"{what} must be lower-case letters, digits, '_', '.' or '-' (at most 80), not {name!r}")
    return name


class PluginArea(Persistent):
    """One plugin's storage: named ``OOBTree``s created on first use.

    Store plain data only (strings, numbers, booleans, bytes, aware
    datetimes, tuples, frozen dataclasses of :mod:`opalexe_core.api`): a
    stored value is pickled, and a plugin's own class would break the
    database once the plugin is uninstalled. A dict stored as a value is not
    watched: assign the changed value again (``tree[key] = new``).
    """

    def __init__(self, name: str):
        self.name = check_name(name, "a plugin's area name")
        self._trees = OOBTree()

    def tree(self, name: str) -> OOBTree:
        """The tree ``name`` (created empty the first time)."""
        tree = self._trees.get(check_name(name, "a tree name"))
        if tree is None:
            tree = self._trees[name] = OOBTree()
        return tree

    def peek(self, name: str):
        """The tree ``name`` to read: an empty mapping if there is none yet
        (reading never writes, so a page that only reads changes nothing)."""
        tree = self._trees.get(check_name(name, "a tree name"))
        return tree if tree is not None else _EMPTY

    def tree_names(self) -> list[str]:
        return list(self._trees.keys())


class PluginAreas(Persistent):
    """Every plugin's area, by plugin name (``root.plugin_areas``)."""

    def __init__(self):
        self._areas = OOBTree()

    def area(self, plugin: str) -> PluginArea:
        area = self._areas.get(check_name(plugin, "a plugin name"))
        if area is None:
            area = self._areas[plugin] = PluginArea(plugin)
        return area

    def get(self, plugin: str) -> PluginArea | None:
        return self._areas.get(check_name(plugin, "a plugin name"))

    def __contains__(self, plugin: str) -> bool:
        return plugin in self._areas

    def names(self) -> list[str]:
        return list(self._areas.keys())
