"""Views: thin — parse with colander, call one service, render."""

from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPFound, HTTPNotFound


def includeme(config):
    from .language import return_path

    config.add_request_method(return_path, "opalexe_return_path", reify=True)
    config.add_route("authenticate", "/authentification/{provider}")
    config.include(".uploads")
    config.add_subscriber(refuse_subpaths, ContextFound)
    config.include(".journal")  # the evidences' routes
    config.include(".certificates")  # the CA's public files (issue #19)
    config.scan(".")


def refuse_subpaths(event) -> None:
    """No page of the traversal tree reads a subpath: ``/connexion/demo``
    without the plugin whose route it is, or ``/parametres/x``, is not found
    rather than the page named before it."""
    request = event.request
    if request.matched_route is None and request.subpath:
        raise HTTPNotFound()


def refused(request, error) -> None:
    """A service refused (``error``: a UserError): nothing of this request is
    committed, whatever the service changed before refusing; 403 when the
    actor lacked the right, 400 when the request was wrong."""
    from ..journal.web import note_refusal
    from ..services.platform import Refused

    note_refusal(request, error.message)
    request.tm.doom()
    request.response.status = 403 if isinstance(error, Refused) else 400


def back_to(request, location: str, message=None, queue: str = "success") -> HTTPFound:
    """Redirect after a change, with a message for the next page."""
    if message is not None:
        request.session.flash(request.localizer.translate(message), queue)
    return HTTPFound(location)
