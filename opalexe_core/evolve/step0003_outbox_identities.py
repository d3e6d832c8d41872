"""Step 3: the outbox of domain events (``root.outbox``) and the accounts'
index of external identities (``Accounts.by_identity``), which the
authentication contract links accounts with."""

from BTrees.OOBTree import OOBTree

from ..resources.outbox import Outbox


def evolve(root, context):
    if getattr(root, "outbox", None) is None:
        root.outbox = Outbox()
    if getattr(root.accounts, "by_identity", None) is None:
        root.accounts.by_identity = OOBTree()
