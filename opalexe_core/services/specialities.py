"""The nomenclature of expert specialities, from the hook
``opalexe_specialities_collect``: the core's branches and headings first,
each plugin's entries replacing the core's of the same code."""

from __future__ import annotations

from ..contract import Speciality


def _key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))


def collect_specialities(pm) -> tuple[Speciality, ...]:
    """Every entry, in the nomenclature's order (A, A.1, A.1.1, A.1.2 … A.2)."""
    merged: dict[str, Speciality] = {}
    # pluggy returns the last registered plugin first and trylast (the core) last.
    for entries in reversed(pm.hook.opalexe_specialities_collect()):
        for entry in entries or ():
            merged[entry.code] = entry
    return tuple(sorted(merged.values(), key=lambda entry: _key(entry.code)))
