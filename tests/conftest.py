"""What several core test folders share: posting the case-creation form as a
browser does (Deform's markers for its sections, sequences and dates)."""

import pytest


def _party(name, kind="morale", lawyers=()):
    items = [("__start__", "party:mapping"), ("name", name), ("__start__", "kind:rename"), ("kind", kind),
             ("__end__", "kind:rename"), ("__start__", "lawyers:sequence")]
    items += [("lawyer", lawyer) for lawyer in lawyers]
    return items + [("__end__", "lawyers:sequence"), ("__end__", "party:mapping")]


def _date(name, value):
    return [("__start__", f"{name}:mapping"), ("date", value), ("__end__", f"{name}:mapping")]


def case_form_fields(csrf_token, *, court="tj-angers", magistrate="", clerk="", rg="21/00001", exp="21/1",
                     order_date="2021-03-01", demandeurs=(("Dupont", "physique", ()),),
                     defendeurs=(("SARL Bâti Ouest", "morale", ()),), intervenants=(), mission="Décrire.",
                     report_due="", amount="", consignation_due="", preview_name="", button="apercu"):
    """The body of a post of the creation form (``templates/expertise_new.pt``):
    parties as (name, kind, lawyer account ids)."""
    items = [("_charset_", "UTF-8"), ("__formid__", "form"), ("csrf_token", csrf_token),
             ("__start__", "court:mapping"), ("jurisdiction_code", court), ("magistrate", magistrate),
             ("clerk", clerk), ("__end__", "court:mapping"),
             ("__start__", "numbers:mapping"), ("rg", rg), ("exp", exp), *_date("order_date", order_date),
             ("__end__", "numbers:mapping"), ("__start__", "parties:mapping")]
    for key, parties in (("demandeurs", demandeurs), ("defendeurs", defendeurs), ("intervenants", intervenants)):
        items.append(("__start__", f"{key}:sequence"))
        for name, kind, lawyers in parties:
            items += _party(name, kind, lawyers)
        items.append(("__end__", f"{key}:sequence"))
    items += [("__end__", "parties:mapping"),
              ("__start__", "mission:mapping"), ("mission", mission), *_date("report_due", report_due),
              ("__end__", "mission:mapping"),
              ("__start__", "consignation:mapping"), ("consignation_amount", amount),
              *_date("consignation_due", consignation_due), ("__end__", "consignation:mapping"),
              ("preview_name", preview_name), (button, button)]
    return items


@pytest.fixture
def case_form():
    """:func:`case_form_fields`: a post of the creation form."""
    return case_form_fields
