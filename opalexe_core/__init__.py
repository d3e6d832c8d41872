"""Opalexe core: the object graph of expertises and folders, and the hooks
its plugins implement.

Plugins import from :mod:`opalexe_core.api` only (its ``__all__`` is the
contract); :mod:`opalexe_core.hookspecs` is the manual of the hooks.
"""

from .markers import hookimpl

__all__ = ["hookimpl", "main"]


def main(global_config, **settings):
    """The WSGI app factory (``paste.app_factory``)."""
    from .app import make_app

    return make_app(settings)
