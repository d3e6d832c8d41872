"""Opening the ZODB database named by ``zodbconn.uri`` outside a request
(the CLI, start-up checks, tests) and initialising it."""

from __future__ import annotations

import contextlib
import os

import transaction
import ZODB
import zodburi

from .services.bootstrap import ensure_root
from .services.demo import populate_demo
from .services.platform import Platform


def ensure_file_storage_dir(uri: str) -> None:
    """FileStorage creates its files but not their folder (``var/``)."""
    if uri.startswith("file://"):
        path = uri[len("file://"):].split("?", 1)[0]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)


def open_db(uri: str, name: str | None = None, databases: dict | None = None) -> ZODB.DB:
    """The database at ``uri``; ``name`` and ``databases`` make it one of
    a multi-database (as ``pyramid_zodbconn`` opens ``zodbconn.uri.<name>``)."""
    ensure_file_storage_dir(uri)
    factory, dbkw = zodburi.resolve_uri(uri)
    if name is not None:
        dbkw["database_name"] = name
    if databases is not None:
        dbkw["databases"] = databases
    return ZODB.DB(factory(), **dbkw)


class JournalNotConfigured(ValueError):
    """No database is named for the journal and none can be derived."""


def journal_uri(raw: dict) -> str:
    """The journal's database (``zodbconn.uri.journal``): a database of its
    own, so that no undo or pack of the content's erases an entry. Beside a
    FileStorage ``Data.fs`` it defaults to ``Journal.fs`` in the same folder;
    any other storage must name it (production.ini: etc/journal.conf)."""
    uri = (raw.get("zodbconn.uri.journal") or "").strip()
    if uri:
        return uri
    main = (raw.get("zodbconn.uri") or "").strip()
    if main.startswith("file://"):
        path = main[len("file://"):].split("?", 1)[0]
        return f"file://{os.path.join(os.path.dirname(path) or '.', 'Journal.fs')}"
    raise JournalNotConfigured(
        "zodbconn.uri.journal is required: the journal lives in a database of its own "
        "(RelStorage: zconfig://…/etc/journal.conf#journal with OPALEXE_JOURNAL_PG_DSN)"
    )


def ensure_journal_db(db) -> bool:
    """Create the journal's root in ``db`` if missing; True if it was created."""
    from ZODB.POSException import ConflictError

    from .journal.store import ensure_journal

    for _attempt in range(5):
        with opened(db) as (_zodb_root, manager):
            try:
                manager.begin()
                connection = _zodb_root._p_jar
                _journal, created = ensure_journal(connection)
                if created:
                    manager.get().note("opalexe journal: created")
                    manager.commit()
                return created
            except ConflictError:
                manager.abort()
    raise RuntimeError("could not create the journal: concurrent writers")


@contextlib.contextmanager
def opened(db):
    """A connection with a transaction manager of its own; yields the ZODB
    root mapping and that manager. What was not committed is aborted."""
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        yield connection.root(), manager
    finally:
        manager.abort()
        connection.close()


def initialize(db, pm, demo: bool = False) -> dict:
    """Create or evolve the platform; add demo data if asked. Idempotent."""
    with opened(db) as (zodb_root, manager):
        root, steps = ensure_root(zodb_root, pm, txn=manager)
        added = 0
        if demo:
            added = populate_demo(Platform.offline(root, pm))
            manager.get().note("opalexe init --demo")
            manager.commit()
        result = {"schema_version": root.schema_version, "steps": steps, "demo_cases": added}
    if added:
        from .services.outbox import OutboxDispatcher  # it opens databases with this module

        OutboxDispatcher(db, pm).deliver()  # the demo's events reach the plugins at once
    return result
