"""Text helpers shared by the rules.

Matching is done on a *folded* copy of a name (lower case, no accents,
typographic apostrophes made straight) that has exactly the length of the
original, so a span found in the fold slices the original text and the
output keeps the accents and the case written on the decision.
"""

import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

#: Characters trimmed from both ends of a name once words have been dropped.
SEPARATORS = " ,;:-\u2013\u2014"


def collapse(text):
    """Return ``text`` NFC-normalised, trimmed, with whitespace collapsed."""
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def fold(text):
    """Return a lower-case, accent-free copy of ``text``, char for char."""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char):
    base = unicodedata.normalize("NFD", char.translate(_APOSTROPHES))[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


def tidy(text):
    """Trim separators left at either end and collapse whitespace."""
    return collapse(text).strip(SEPARATORS).strip()
