"""Page templates: the core layout every page fills, and Chameleon compiling
one template at a time.

Every page template, the core's and the plugins', fills the core layout with
``metal:use-macro="opalexe_layout"``: the renderer global ``opalexe_layout``
is ``opalexe_core:templates/layout.pt`` as the platform resolves it (the
top-level ``templates/`` folder, or ``opalexe.templates_dir``). Chameleon's
own ``load:`` expression cannot be used with that asset spec: it reads the
package folder and ignores Pyramid's asset overrides.

Compilation.

CPython 3.11 keeps the AST constructor's recursion counter in state shared by
every thread of the interpreter (python/cpython#106905). Chameleon turns each
template into Python through ``compile(..., ast.PyCF_ONLY_AST)``; when two
waitress threads compile templates at the same moment, one of them can fail
with ``SystemError: AST constructor recursion depth mismatch`` and its page
becomes an error 500. That happens in the first requests after a start, which
are the ones that compile the pages and Deform widgets.

Holding one lock while a template is cooked removes the race. It costs nothing
once templates are compiled: rendering a cooked template takes no lock.
"""

from __future__ import annotations

import functools
import threading

from chameleon.template import BaseTemplate
from pyramid.events import BeforeRender
from pyramid.renderers import get_renderer

LAYOUT = "opalexe_core:templates/layout.pt"

#: Held while any Chameleon template (page, mail or Deform widget) is compiled.
COMPILE_LOCK = threading.RLock()


def serialize_compilation() -> None:
    """Make every Chameleon template compile under :data:`COMPILE_LOCK`.

    Idempotent: an app factory may call it once per app it builds."""
    if getattr(BaseTemplate.cook, "opalexe_serialized", False):
        return
    unlocked_cook = BaseTemplate.cook

    @functools.wraps(unlocked_cook)
    def cook(self, body):
        with COMPILE_LOCK:
            return unlocked_cook(self, body)

    cook.opalexe_serialized = True
    BaseTemplate.cook = cook


def add_layout(event: BeforeRender) -> None:
    request = event.get("request")
    registry = request.registry if request is not None else None
    event.setdefault("opalexe_layout", get_renderer(LAYOUT, registry=registry).implementation())


def includeme(config):
    serialize_compilation()
    config.add_subscriber(add_layout, BeforeRender)
