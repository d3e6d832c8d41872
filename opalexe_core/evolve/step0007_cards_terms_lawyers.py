"""Step 7 (issue #18): the terms of use (``root.terms``) and the « Annuaire
des avocats » (``root.lawyers``). Accounts read their acceptances of the terms
from a class default until they accept a first version."""

from ..resources.lawyers import LawyerDirectory
from ..resources.terms import TermsOfUse


def evolve(root, context):
    for attribute, name, factory in (("terms", "cgu", TermsOfUse), ("lawyers", "annuaire-avocats", LawyerDirectory)):
        if getattr(root, attribute, None) is None:
            child = factory()
            child.__parent__ = root
            child.__name__ = name
            setattr(root, attribute, child)
