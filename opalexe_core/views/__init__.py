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


def submit(request, form, page: dict, run, key: str = "form"):
    """The usual post of a Deform form: validate it, hand its answers to
    ``run`` (one service call; it returns the response, a redirect), or
    answer ``page`` with the form under ``key`` again: its errors beside
    their fields (400), or the service's refusal beside the field it names
    (403 or 400, nothing committed)."""
    import deform

    from ..contract import UserError
    from ..forms.base import refusal

    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {**page, key: failure.render()}
    try:
        return run(data)
    except UserError as error:
        refused(request, error)
        return {**page, key: refusal(form, data, error)}
