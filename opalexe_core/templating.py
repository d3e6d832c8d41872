"""Chameleon compiles one template at a time in an Opalexe process.

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
