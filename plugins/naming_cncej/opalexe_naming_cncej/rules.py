"""The CA Angers case name.

«premier demandeur»-«premier défendeur»-«TJ»-«n°RG»-«nom de l'expert»-«n°EXP»
"""

from opalexe_core.api import NamingError

from ._text import collapse
from .court_numbers import normalize_number
from .parties import party_name


def compute_case_name(facts):
    """Return the name of the case described by ``facts`` (a ``CaseFacts``).

    :raise NamingError: for the first piece, in name order, that is missing
        or malformed.
    """
    return "-".join(
        (
            _first_party(facts.demandeurs, "demandeur", "demandeurs"),
            _first_party(facts.defendeurs, "défendeur", "defendeurs"),
            _required(
                facts.jurisdiction_short,
                "jurisdiction_short",
                "La juridiction qui ordonne la mesure est obligatoire pour "
                "nommer le dossier.",
            ),
            normalize_number(facts.rg, "rg"),
            _required(
                facts.expert_name,
                "expert_name",
                "Le nom de l'expert est obligatoire pour nommer le dossier.",
            ),
            normalize_number(facts.exp, "exp"),
        )
    )


def _first_party(parties, role, field):
    if not parties:
        raise NamingError(
            f"Le premier {role} est obligatoire pour nommer le dossier.",
            field=field,
        )
    first = parties[0]
    return party_name(first.name, first.kind, role, field)


def _required(value, field, message):
    text = collapse(value)
    if not text:
        raise NamingError(message, field=field)
    return text
