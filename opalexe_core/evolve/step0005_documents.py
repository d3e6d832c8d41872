"""Step 5: documents (issue #16). Every folder gets its documents and its
numbering of exhibits; the root gets the notifications' records (mails sent,
digests waiting); accounts read their notification choice from a class
default (per deposit)."""

from ..resources.expertise import Folder
from ..resources.notifications import Notifications


def _folders(container):
    for child in container.values():
        if isinstance(child, Folder):
            yield child
            yield from _folders(child)


def evolve(root, context):
    for expertise in root.expertises.values():
        for folder in _folders(expertise.folders):
            folder.add_documents()
    if getattr(root, "notifications", None) is None:
        root.notifications = Notifications()
