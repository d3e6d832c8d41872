"""Step 4: the dashboards' index of cases (``root.expertises.index``,
filled from the cases already stored) and the designations sent by courts
(``root.saisines``)."""

from ..resources.case_index import CaseIndex
from ..resources.saisine import Saisines


def evolve(root, context):
    expertises = root.expertises
    if getattr(expertises, "index", None) is None:
        expertises.index = CaseIndex()
    for expertise in expertises.values():  # once, at upgrade; refresh is idempotent
        expertises.index.refresh(expertise)
    if getattr(root, "saisines", None) is None:
        saisines = Saisines()
        saisines.__parent__ = root
        saisines.__name__ = "saisines"
        root.saisines = saisines
