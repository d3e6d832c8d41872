"""RG and EXP numbers: ``"RG 2018 / 00001"`` → ``"RG18-1"``.

The CA Angers convention writes a number as its prefix, the two digits of
the year, a hyphen and the number of the case without leading zeros.
"""

import re

from opalexe_core.api import NamingError

#: kind → (prefix of the normalised form, label shown to the user).
KINDS = {"rg": ("RG", "n° RG"), "exp": ("EXP", "n° EXP")}

# Prefixes accepted in front of a number of each kind ("MI", for "mesure
# d'instruction", is what some courts call the EXP number).
_PREFIXES = {"rg": {"rg"}, "exp": {"exp", "mi"}}

_HEAD = re.compile(
    r"(?:n\s*[°º]\s*)?"
    r"(?:(?P<prefix>rg|exp|mi)(?![a-z])\s*[.:]?\s*)?"
    r"(?:n\s*[°º]\s*)?",
    re.IGNORECASE,
)
_SHAPE = re.compile(r"(?P<year>[^/\-\u2013]*?)\s*[/\-\u2013]\s*(?P<number>.*)")
_DIGITS = re.compile(r"[0-9]+")
_YEAR = re.compile(r"(?:19|20)?[0-9]{2}")

_MISSING = {
    "rg": (
        "Le n° RG est obligatoire pour nommer le dossier : il figure sur "
        "la première page de la décision (par exemple 18/00001)."
    ),
    "exp": (
        "Le n° EXP est obligatoire pour nommer le dossier : c'est le mode "
        "de classement des dossiers adopté par le service des expertises "
        "des tribunaux judiciaires. Il figure sur la saisine envoyée par le "
        "greffe ou sur la notification du dépôt de la consignation "
        "(parfois appelé n° MI)."
    ),
}


def normalize_number(number, kind):
    """Return ``number`` normalised for ``kind`` (``"rg"`` or ``"exp"``).

    :raise NamingError: when the number is missing or malformed.
    """
    prefix, label = KINDS[kind]
    written = " ".join(str(number).split()) if number is not None else ""
    if not written:
        raise NamingError(_MISSING[kind], field=kind)

    def invalid(reason):
        message = f"Le {label} « {written} » n'est pas valide : {reason}"
        return NamingError(message, field=kind)

    head = _HEAD.match(written)
    found = head.group("prefix")
    if found and found.lower() not in _PREFIXES[kind]:
        raise invalid(
            f"il commence par {found.upper()} ; vérifiez que le n° RG et le "
            "n° EXP n'ont pas été inversés."
        )
    shape = _SHAPE.fullmatch(written[head.end() :].strip())
    if shape is None or not shape.group("year") or not shape.group("number"):
        raise invalid(
            "indiquez l'année et le numéro de l'affaire séparés par une "
            "barre, par exemple 18/00001."
        )
    year, digits = shape.group("year"), shape.group("number")
    if not (_DIGITS.fullmatch(year) and _DIGITS.fullmatch(digits)):
        raise invalid(
            "l'année et le numéro ne doivent contenir que des chiffres, "
            "par exemple 18/00001."
        )
    if not _YEAR.fullmatch(year):
        raise invalid("l'année doit s'écrire sur 2 chiffres (18) ou 4 chiffres (2018).")
    if int(digits) == 0:
        raise invalid("le numéro de l'affaire ne peut pas être 0.")
    return f"{prefix}{year[-2:]}-{int(digits)}"
