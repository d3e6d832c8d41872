"""Court numbers as the core reads them, whatever rule names the case.

An RG number (the proceedings') and an EXP number (the court's
expertise-control service, also called MI) are written « year/order »:
``18/00001``, ``2018/1``, ``RG 18/00001``, ``EXP 20/56``, ``MI 20/56``. The
core checks that shape and compares numbers by their key (``18-1``): the
year's last two digits and the order without its leading zeros, so that
``20/56`` and ``2020/0056`` are the same number of the same court. A naming
plugin may normalise the stored form further (``opalexe_case_number_normalize``).
"""

from __future__ import annotations

import re
import unicodedata

_NUMBER = re.compile(
    r"^(?:(?P<prefix>rg|exp|mi)\s*[.:]?\s*)?(?:n\s*[°º]\s*)?"
    r"(?P<year>(?:19|20)?[0-9]{2})\s*[/\-\u2013]\s*(?P<order>[0-9]{1,7})$",
    re.IGNORECASE,
)
_PREFIXES = {"rg": {"rg"}, "exp": {"exp", "mi"}}


def number_key(number: str | None, kind: str = "exp") -> str | None:
    """``"18-1"`` for ``"18/00001"``; ``None`` when ``number`` is not
    written « year/order » (or carries the other kind's prefix, or order 0)."""
    match = _NUMBER.match(" ".join((number or "").split()))
    if match is None:
        return None
    prefix = (match.group("prefix") or "").lower()
    if prefix and prefix not in _PREFIXES.get(kind, ()):
        return None
    order = int(match.group("order"))
    if order == 0:
        return None
    return f"{match.group('year')[-2:]}-{order}"


def fold(text: str | None) -> str:
    """Lower case, without accents, runs of spaces as one: how searches compare."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())
