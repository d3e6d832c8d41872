"""Party names: drop legal forms and articles, abbreviate SDC.

All patterns are written in folded form (see :mod:`._text`): lower case,
no accents, straight apostrophes.
"""

import re

from opalexe_core.api import NamingError

from ._text import collapse, fold, tidy

# -- Legal forms -------------------------------------------------------------

_COMPANIES = ("SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCA", "SCS", "SEM", "SAEM")
_CIVIL = ("SCI", "SCP", "SCM", "SCOP", "GIE")
_LIBERAL = ("SELARL", "SELAS", "SELASU", "SELAFA", "SELURL")
_FARMING = ("EARL", "GAEC", "SCEA")
_ACRONYMS = _COMPANIES + _CIVIL + _LIBERAL + _FARMING
_SPELLED = (
    "societe anonyme",
    "societe par actions simplifiee unipersonnelle",
    "societe par actions simplifiee",
    "entreprise unipersonnelle a responsabilite limitee",
    "societe a responsabilite limitee",
    "societe civile immobiliere",
    "societe civile professionnelle",
    "societe civile de moyens",
    "societe civile d'exploitation agricole",
    "societe en nom collectif",
    "societe en commandite simple",
    "societe en commandite par actions",
    "societe d'exercice liberal a responsabilite limitee",
    "societe d'exercice liberal par actions simplifiee",
    "societe d'exercice liberal a forme anonyme",
    "societe d'economie mixte",
    "societe cooperative ouvriere de production",
    "societe cooperative et participative",
    "groupement d'interet economique",
    "groupement agricole d'exploitation en commun",
    "exploitation agricole a responsabilite limitee",
)


def _acronym(letters):
    # "SARL", "S.A.R.L.", "S. A. R. L", "s.a.r.l." (never "S A R L").
    return r"(?:\.\s?)?".join(letters.lower()) + r"\.?"


def _spelled(words):
    return re.escape(words).replace(r"\ ", r"\s+").replace("'", r"'\s*")


_FORMS = "|".join(
    [_spelled(form) for form in _SPELLED]
    + [_acronym(form) for form in sorted(_ACRONYMS, key=len, reverse=True)]
)
_SEP = r"[\s,;:\-\u2013\u2014]"
# A form stands as a whole word, optionally in brackets: "Bâti (SAS)".
_FORM_START = re.compile(rf"\(?(?:{_FORMS})\)?(?!\w){_SEP}*")
_FORM_END = re.compile(rf"{_SEP}*(?<!\w)\(?(?:{_FORMS})\)?$")
_ARTICLE = re.compile(r"(?:(?:la|le|les)\s+|l'\s*)")

# What follows the name itself on a decision: "…, représentée par son
# syndic…", "… prise en la personne de son gérant", "… dont le siège est…".
_CLAUSE = re.compile(
    r"[\s,(]*(?<!\w)(?:representee?s?\s+par|prise?s?\s+en\s+la\s+personne"
    r"|agissant\s+poursuites|dont\s+le\s+siege|ayant\s+son\s+siege)(?!\w).*$"
)

# -- Syndicats des copropriétaires -------------------------------------------

_SDC = re.compile(
    r"(?:(?:le|la)\s+)?"
    r"(?:syndicat\s+(?:des?\s+)?co-?proprietaires?"
    r"|syndicat\s+(?:de\s+(?:la\s+)?)?co-?propriete"
    r"|s(?:\.\s?)?d(?:\.\s?)?c\.?)"
    rf"(?!\w){_SEP}*"
)
# "de la résidence", "de l'immeuble", "du", "des", "de", then "sis"/"situé".
_SDC_LINK = re.compile(
    r"(?:(?:de\s+la\s+|de\s+l'\s*|du\s+|des\s+|de\s+|d'\s*)"
    r"(?P<place>(?:residence|immeuble|ensemble\s+immobilier|copropriete"
    r"|batiment|lotissement|domaine)(?:\s+|$))?)?"
    r"(?:(?:sis|sise|situee?)\s+(?:au\s+|a\s+)?)?"
)
_PREPOSITION = re.compile(r"(?:du|de|des)\s|d'")


def party_name(name, kind, role, field):
    """Return the name of a party as the case name shows it.

    :param role: ``"demandeur"`` or ``"défendeur"``, for messages.
    :param field: the :class:`NamingError` field to blame.
    :raise NamingError: when nothing of the name is left.
    """
    written = collapse(name)
    if not written:
        raise NamingError(
            f"Le nom du premier {role} est obligatoire pour nommer le dossier.",
            field=field,
        )
    sdc = _SDC.match(fold(written))
    if sdc:
        residence = _residence(_cut_clause(written[sdc.end() :]))
        if not residence:
            raise NamingError(
                f"Le nom de la copropriété du premier {role} manque : écrivez "
                "par exemple « Syndicat des copropriétaires de la résidence "
                "Les Tilleuls ».",
                field=field,
            )
        return f"SDC {residence}"
    if kind == "physique":
        return written
    cleaned = _drop_forms(_cut_clause(written))
    if not cleaned:
        raise NamingError(
            f"Le nom du premier {role} « {written} » ne contient qu'une forme "
            "sociale ou un article : indiquez sa dénomination.",
            field=field,
        )
    return cleaned


def _cut_clause(text):
    clause = _CLAUSE.search(fold(text))
    return tidy(text[: clause.start()] if clause else text)


def _residence(text):
    """Drop the words linking "syndicat des copropriétaires" to its name.

    "de la résidence Les Tilleuls" → "Les Tilleuls", but "de la résidence du
    Lac" → "résidence du Lac": the place word stays when the name itself
    starts with a preposition. Without a linking preposition everything is
    kept as written: "Résidence du Lac" → "Résidence du Lac".
    """
    link = _SDC_LINK.match(fold(text))
    rest = text[link.end() :]
    if link.group("place") and _PREPOSITION.match(fold(rest)):
        rest = text[link.start("place") :]
    return tidy(rest)


def _drop_forms(text):
    """Drop legal forms (at either end) and leading articles, repeatedly."""
    while text:
        folded = fold(text)
        start = _FORM_START.match(folded) or _ARTICLE.match(folded)
        if start:
            text = tidy(text[start.end() :])
            continue
        end = _FORM_END.search(folded)
        if not end:
            break
        text = tidy(text[: end.start()])
    return text
