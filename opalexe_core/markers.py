"""The pluggy markers of the ``opalexe`` project.

Plugins import :data:`hookimpl` from :mod:`opalexe_core` (it is re-exported
there); the core uses :data:`hookspec` in :mod:`opalexe_core.hookspecs`.
"""

import pluggy

PROJECT = "opalexe"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
