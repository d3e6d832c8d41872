"""Schema evolution: numbered, ordered, idempotent steps.

The root records in ``schema_version`` the number of the last step applied.
``opalexe evolve`` (and ``opalexe init``, from 0) runs every later step in
order, each in its own transaction, so an interrupted run resumes where it
stopped and running it twice changes nothing. A step must be idempotent: it
checks before it changes.

To change a persistent class, add a module ``stepNNNN_what.py`` here with
``def evolve(root, context)`` and append it to :data:`STEPS`; never renumber
or remove a step that has shipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import transaction

from . import (
    step0001_layout,
    step0002_account_logins,
    step0003_outbox_identities,
    step0004_case_index_saisines,
    step0005_documents,
    step0007_cards_terms_lawyers,
    step0008_plugin_areas_certificates,
)

log = logging.getLogger(__name__)

#: (number, step function) in ascending order.
STEPS = (
    (1, step0001_layout.evolve),
    (2, step0002_account_logins.evolve),
    (3, step0003_outbox_identities.evolve),
    (4, step0004_case_index_saisines.evolve),
    (5, step0005_documents.evolve),
    (7, step0007_cards_terms_lawyers.evolve),
    (8, step0008_plugin_areas_certificates.evolve),
)

SCHEMA_VERSION = STEPS[-1][0]


@dataclass
class EvolveContext:
    """What a step may need besides the root: the plugin manager."""

    pm: object


class EvolveError(RuntimeError):
    pass


class NewerSchemaError(EvolveError):
    """The database was written by a newer Opalexe: this code must not touch it."""

    def __init__(self, version: int, latest: int):
        super().__init__(f"database schema {version} is newer than this code's {latest}: upgrade Opalexe first")
        self.version = version
        self.latest = latest


def refuse_newer(root, steps=STEPS) -> None:
    """Raise :class:`NewerSchemaError` if ``root`` was evolved past ``steps``."""
    version = getattr(root, "schema_version", 0)
    latest = steps[-1][0] if steps else 0
    if version > latest:
        raise NewerSchemaError(version, latest)


def pending_steps(root, steps=STEPS):
    version = getattr(root, "schema_version", 0)
    return [(number, step) for number, step in steps if number > version]


def run_evolve(root, context: EvolveContext, steps=STEPS, txn=transaction.manager) -> list[int]:
    """Apply pending steps, committing after each; returns their numbers."""
    numbers = [number for number, _ in steps]
    if numbers != sorted(set(numbers)):
        raise EvolveError("evolve steps must have unique, ascending numbers")
    refuse_newer(root, steps)
    done = []
    for number, step in pending_steps(root, steps):
        log.info("evolve: step %d (%s)", number, step.__module__)
        try:
            step(root, context)
            root.schema_version = number
            txn.get().note(f"opalexe evolve step {number}")
            txn.commit()
        except Exception:
            txn.abort()
            raise
        done.append(number)
    return done
