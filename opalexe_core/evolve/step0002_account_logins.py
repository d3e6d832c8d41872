"""Step 2: every account gets its table of open logins (``Account.logins``),
which logout closes server-side."""

from BTrees.OOBTree import OOBTree


def evolve(root, context):
    for account in root.accounts.values():
        if getattr(account, "logins", None) is None:
            account.logins = OOBTree()
