"""Opalexe plugin: the case naming rule of the CA Angers convention.

Registered through the ``opalexe`` entry-point group; see ``README.md``.
"""

from opalexe_core.api import hookimpl

from .court_numbers import KINDS, normalize_number
from .rules import compute_case_name

__all__ = [
    "compute_case_name",
    "normalize_number",
    "opalexe_case_name_compute",
    "opalexe_case_number_normalize",
]


@hookimpl
def opalexe_case_name_compute(facts):
    """Name the case: Dupont-SDC Les Tilleuls-TJ Angers-RG18-1-Martin-EXP20-56."""
    return compute_case_name(facts)


@hookimpl
def opalexe_case_number_normalize(number, kind):
    """Normalise an RG or EXP number (``"18/00001"`` → ``"RG18-1"``)."""
    kind = kind.strip().lower() if isinstance(kind, str) else None
    if kind not in KINDS:
        return None
    return normalize_number(number, kind)
