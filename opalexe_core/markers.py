"""The pluggy markers of the ``opalexe`` project, and the contract's version.

Plugins import :data:`hookimpl` and :data:`CONTRACT_VERSION` from
:mod:`opalexe_core.api`; the core uses :data:`hookspec` in
:mod:`opalexe_core.hookspecs`.
"""

import pluggy

PROJECT = "opalexe"

#: The version of the plugin contract (hooks, value types, the api module).
#: Its major number changes when a plugin written for the previous one may
#: break; the core distribution's version starts with it, so a plugin's
#: ``setup.cfg`` requires ``opalexe >= 1.0, < 2``.
CONTRACT_VERSION = "1.0"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
