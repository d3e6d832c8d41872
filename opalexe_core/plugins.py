"""The plugin manager: the core's defaults, then every ``opalexe`` entry point.

Entry points named in ``opalexe.plugins.disabled`` are blocked before loading,
so a disabled plugin is never imported. A loaded plugin's distribution must
require ``opalexe`` within bounds that admit the running contract version
(:data:`opalexe_core.api.CONTRACT_VERSION`): one that excludes it is refused
(the platform does not start), one without bounds is loaded with a warning.
"""

from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass

import pluggy
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from . import defaults, hookspecs
from .markers import CONTRACT_VERSION, PROJECT

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = PROJECT
CORE_PLUGIN_NAME = "core-defaults"
CORE_DISTRIBUTION = "opalexe"


class PluginContractError(RuntimeError):
    """An installed plugin was written for another contract version."""


def make_plugin_manager(disabled: tuple[str, ...] = ()) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(defaults, name=CORE_PLUGIN_NAME)
    for name in disabled:
        pm.set_blocked(name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    for plugin, dist in pm.list_plugin_distinfo():
        check_contract(pm.get_name(plugin), dist)
    return pm


def contract_requirement(dist) -> Requirement | None:
    """The distribution's requirement on the core, if it states one."""
    for line in dist.requires or ():
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == CORE_DISTRIBUTION and not requirement.marker:
            return requirement
    return None


def check_contract(name: str, dist) -> None:
    """Refuse a plugin whose requirement on ``opalexe`` excludes the running
    contract; warn when it states none or no upper bound."""
    distribution = dist.metadata["name"]
    requirement = contract_requirement(dist)
    if requirement is None or not requirement.specifier:
        log.warning("plugin %s (%s) does not say which Opalexe contract it needs: require opalexe >= %s, < %d",
                    name, distribution, CONTRACT_VERSION, int(CONTRACT_VERSION.split(".")[0]) + 1)
        return
    if not requirement.specifier.contains(CONTRACT_VERSION, prereleases=True):
        raise PluginContractError(
            f"plugin {name} ({distribution} {dist.version}) requires {requirement}, which excludes the "
            f"running contract {CONTRACT_VERSION}: upgrade the plugin, or disable it with opalexe.plugins.disabled"
        )
    if not any(spec.operator in ("<", "<=", "==", "~=", "===") for spec in requirement.specifier):
        log.warning("plugin %s (%s) requires %s without an upper bound: a future contract may break it",
                    name, distribution, requirement)


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


def installed_plugin_names() -> list[str]:
    """The names of the ``opalexe`` entry points installed, loaded or not."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)})
