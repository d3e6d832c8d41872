"""What several core test folders share: a platform of the core's defaults
with the people of a case (``world``), and posting the case-creation form
as a browser does (Deform's markers for its sections, sequences and dates)."""


from dataclasses import dataclass
from datetime import date

import pytest

from opalexe_core.api import AuthMethod
from opalexe_core.plugins import installed_plugin_names, make_plugin_manager
from opalexe_core.services.accounts import create_account, set_account_court
from opalexe_core.services.expertises import CaseData, create_expertise
from opalexe_core.services.platform import Actor
from opalexe_core.storage import initialize, open_db
from pytest_opalexe.web import open_platform

PEOPLE = (
    # key, first name, last name, profile
    ("expert", "Jean", "Martin", "expert"),
    ("coexpert", "Claire", "Bernard", "expert"),
    ("other_expert", "Paul", "Petit", "expert"),
    ("magistrat", "Hélène", "Durand", "magistrat"),
    ("magistrat2", "Luc", "Perrin", "magistrat"),
    ("greffier", "Marc", "Leroy", "greffier"),
    ("greffier2", "Anne", "Colin", "greffier"),
    ("avocat1", "Sophie", "Moreau", "avocat"),
    ("avocat2", "Louis", "Fournier", "avocat"),
    ("intervenant", "Nadia", "Girard", "intervenant"),
    ("assureur", "Yann", "Caron", "intervenant"),
    ("admin", "Alice", "Admin", "administrateur"),
)

PARTIES = [("Dupont", "demandeur", "physique"), ("SARL Bâti Ouest", "defendeur", "morale"),
           ("Syndicat des copropriétaires de la résidence Les Tilleuls", "defendeur", "morale")]


@pytest.fixture
def core_pm():
    """The core's own defaults, none of the installed plugins."""
    return make_plugin_manager(disabled=tuple(installed_plugin_names()))


@pytest.fixture
def core_db(storage, core_pm):
    database = open_db(storage.uri)
    initialize(database, core_pm)
    yield database
    database.close()


@dataclass
class World:
    platform: object
    people: dict

    def __getitem__(self, key):
        return self.people[key]

    def actor(self, key) -> Actor:
        return Actor(self.people[key], AuthMethod.DEMO, "192.0.2.1")

    def case(self, key="expert", **overrides):
        data = dict(jurisdiction_code="tj-angers", rg="18/00001", exp="18/00001", parties=list(PARTIES),
                    order_date=date(2018, 3, 15))
        data.update(overrides)
        return create_expertise(self.platform, self.actor(key), CaseData(**data))

    def events(self, kind):
        outbox = self.platform.root.outbox
        return [outbox.get(key).event for key in outbox.keys() if isinstance(outbox.get(key).event, kind)]

    @property
    def outbox_size(self) -> int:
        return len(self.platform.root.outbox)


@pytest.fixture
def world(core_db, core_pm):
    """The people of :data:`PEOPLE` on a platform of the core's defaults; the
    clerks and magistrates attached to the TJ Angers."""
    with open_platform(core_db, core_pm) as platform:
        operator = Actor.platform()
        people = {key: create_account(platform, operator, first_name=first, last_name=last,
                                      email=f"{key}@example.test", profile=profile,
                                      is_admin=profile == "administrateur")
                  for key, first, last, profile in PEOPLE}
        for key in ("magistrat", "magistrat2", "greffier", "greffier2"):
            set_account_court(platform, operator, people[key], "tj-angers")
        platform.transaction.commit()
        yield World(platform, people)



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
