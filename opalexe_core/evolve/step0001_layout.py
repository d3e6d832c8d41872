"""Step 1: the root's containers and the jurisdictions directory."""

from ..resources.accounts import Accounts
from ..resources.expertise import Expertises
from ..resources.jurisdictions import Jurisdictions
from ..resources.root import SiteSettings


def evolve(root, context):
    for attribute, name, factory in (
        ("expertises", "expertises", Expertises),
        ("accounts", "comptes", Accounts),
        ("jurisdictions", "juridictions", Jurisdictions),
    ):
        if getattr(root, attribute, None) is None:
            child = factory()
            child.__parent__ = root
            child.__name__ = name
            setattr(root, attribute, child)
    if getattr(root, "settings", None) is None:
        root.settings = SiteSettings()
