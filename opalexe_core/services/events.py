"""Fire hooks after the current transaction commits, never before.

A rolled-back transaction fires nothing; a failing hook is logged and does
not undo what was committed (hooks must be idempotent so they can be
replayed).
"""

import logging

import transaction

log = logging.getLogger(__name__)


def current_transaction(obj=None):
    """The transaction ``obj`` is being changed in: its connection's, or the
    thread's current one for an object not stored yet."""
    jar = getattr(obj, "_p_jar", None)
    return jar.transaction_manager.get() if jar is not None else transaction.get()


def after_commit(hook_caller, obj=None, **kwargs) -> None:
    """Call ``hook_caller(**kwargs)`` once the transaction changing ``obj`` commits."""
    def fire(success):
        if not success:
            return
        try:
            hook_caller(**kwargs)
        except Exception:
            log.exception("after-commit hook %s failed", getattr(hook_caller, "name", hook_caller))

    current_transaction(obj).addAfterCommitHook(fire)
