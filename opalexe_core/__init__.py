"""Opalexe core: the object graph of expertises and folders, and the hooks
its plugins implement.

Public for plugins: :data:`hookimpl` (here), :mod:`opalexe_core.contract`
(value types) and :mod:`opalexe_core.hookspecs` (the contract to read).
"""

from .markers import hookimpl

__all__ = ["hookimpl", "main"]


def main(global_config, **settings):
    """The WSGI app factory (``paste.app_factory``)."""
    from .app import make_app

    return make_app(settings)
