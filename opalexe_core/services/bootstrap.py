"""Creating the platform in an empty database, and bringing it up to date."""

from __future__ import annotations

import transaction

from ..evolve import EvolveContext, run_evolve
from ..resources.root import ROOT_KEY, Root
from .jurisdictions import sync_jurisdictions


def ensure_root(zodb_root, pm, txn=transaction.manager) -> tuple[Root, list[int]]:
    """Create the root if missing, apply pending evolve steps, sync the
    jurisdictions directory; returns the root and the steps applied."""
    if ROOT_KEY not in zodb_root:
        zodb_root[ROOT_KEY] = Root()
        txn.get().note("opalexe init")
        txn.commit()
    root = zodb_root[ROOT_KEY]
    steps = run_evolve(root, EvolveContext(pm=pm), txn=txn)
    sync_jurisdictions(root, pm)
    txn.commit()
    return root, steps
