"""The permissions views and services ask for.

Secure by default: a view declared without a permission (a plugin's too)
gets :data:`DEFAULT_PERMISSION`, which only logged-in people hold on the
platform's root and which no case or folder grants; a page open to visitors
says so with ``permission=PUBLIC``.
"""

from pyramid.security import NO_PERMISSION_REQUIRED

#: For a view anybody may open, logged in or not (the home page, login pages).
PUBLIC = NO_PERMISSION_REQUIRED

#: What a view declared without a permission requires.
DEFAULT_PERMISSION = "authenticated"

VIEW = "view"  # read a case, a folder, a directory
MANAGE = "manage"  # change a case: participants, parties (expert, co-expert)
ADVANCE = "advance"  # move a case to its next status (the expert)
CREATE = "create"  # create a case (an expert)
DEPOSIT = "deposit"  # deposit a document in a folder
ADMIN = "admin"  # the platform's administration (accounts, settings, plugins)
JOURNAL = "journal"  # read a case's journal (the expert, the co-experts, the magistrate)
