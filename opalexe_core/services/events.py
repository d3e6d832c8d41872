"""Which transaction an object is being changed in."""


class DetachedObjectError(ValueError):
    """The object is attached to nothing stored: no transaction can be told."""


def current_transaction(obj):
    """The transaction ``obj`` is being changed in: that of the connection of
    ``obj`` or, for an object not stored yet (created in this transaction),
    of its nearest stored ``__parent__``.

    Never the thread's default transaction: requests (pyramid_tm) and the CLI
    commit their own transaction managers, and a hook registered on the
    default one would fire at some later, unrelated commit, or for a change
    that was rolled back."""
    node = obj
    while node is not None:
        jar = getattr(node, "_p_jar", None)
        if jar is not None:
            return jar.transaction_manager.get()
        node = getattr(node, "__parent__", None)
    raise DetachedObjectError(f"{obj!r} is not attached to a stored object: add it to the object graph first")
