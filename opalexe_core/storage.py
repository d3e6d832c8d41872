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


def open_db(uri: str) -> ZODB.DB:
    ensure_file_storage_dir(uri)
    factory, dbkw = zodburi.resolve_uri(uri)
    return ZODB.DB(factory(), **dbkw)


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
