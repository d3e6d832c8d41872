"""Fire hooks after the current transaction commits, never before.

A rolled-back transaction fires nothing; a failing hook is logged and does
not undo what was committed (hooks must be idempotent so they can be
replayed).
"""

import logging

import transaction

log = logging.getLogger(__name__)


def after_commit(hook_caller, **kwargs) -> None:
    def fire(success):
        if not success:
            return
        try:
            hook_caller(**kwargs)
        except Exception:
            log.exception("after-commit hook %s failed", getattr(hook_caller, "name", hook_caller))

    transaction.get().addAfterCommitHook(fire)
