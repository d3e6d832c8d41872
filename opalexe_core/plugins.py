"""The plugin manager: the core's defaults, then every ``opalexe`` entry point.

Entry points named in ``opalexe.plugins.disabled`` are blocked before loading,
so a disabled plugin is never imported.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

import pluggy

from . import defaults, hookspecs
from .markers import PROJECT

ENTRY_POINT_GROUP = PROJECT
CORE_PLUGIN_NAME = "core-defaults"


def make_plugin_manager(disabled: tuple[str, ...] = ()) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(defaults, name=CORE_PLUGIN_NAME)
    for name in disabled:
        pm.set_blocked(name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


@dataclass(frozen=True)
class PluginInfo:
    """What the admin page and ``opalexe plugins`` show of one plugin."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    disabled: bool = False


def describe_plugins(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every registered plugin with the hooks it implements, then the blocked ones."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        infos.append(
            PluginInfo(
                name=name,
                distribution=dist.metadata["name"] if dist else None,
                version=dist.version if dist else None,
                hooks=hooks,
            )
        )
    installed = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name in sorted(installed):
        if pm.is_blocked(name):
            infos.append(PluginInfo(name=name, distribution=None, version=None, hooks=(), disabled=True))
    infos.sort(key=lambda info: (info.name != CORE_PLUGIN_NAME, info.disabled, info.name))
    return infos
