"""Views: thin — parse with colander, call one service, render."""

from pyramid.httpexceptions import HTTPFound


def includeme(config):
    from .language import return_path

    config.add_request_method(return_path, "opalexe_return_path", reify=True)
    config.add_route("authenticate", "/authentification/{provider}")
    config.include(".uploads")
    config.scan(".")


def refused(request, error) -> None:
    """A service refused (``error``: a UserError): nothing of this request is
    committed, whatever the service changed before refusing; 403 when the
    actor lacked the right, 400 when the request was wrong."""
    from ..services.platform import Refused

    request.tm.doom()
    request.response.status = 403 if isinstance(error, Refused) else 400


def back_to(request, location: str, message=None, queue: str = "success") -> HTTPFound:
    """Redirect after a change, with a message for the next page."""
    if message is not None:
        request.session.flash(request.localizer.translate(message), queue)
    return HTTPFound(location)
