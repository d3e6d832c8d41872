"""Error pages in French: who is not logged in is sent to the login page."""

from pyramid.csrf import BadCSRFToken
from pyramid.exceptions import BadCSRFOrigin, URLDecodeError
from pyramid.httpexceptions import HTTPFound
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from ..i18n import _
from ..services.platform import Refused


@forbidden_view_config(renderer="opalexe_core:templates/error.pt")
def forbidden(request):
    if request.identity is None:
        return HTTPFound(request.resource_url(request.root, "connexion"))
    request.response.status = 403
    return {"title": _("Accès refusé"), "message": _("Vous n'avez pas le droit d'accéder à cette page.")}


@notfound_view_config(renderer="opalexe_core:templates/error.pt")
def notfound(request):
    request.response.status = 404
    return {"title": _("Page introuvable"), "message": _("Cette page n'existe pas ou n'existe plus.")}


# A form posted from another origin (Pyramid checks Origin against the public
# URL, see opalexe_core/proxy.py) gets the same French page as a stale token.
@exception_view_config(BadCSRFOrigin, renderer="opalexe_core:templates/error.pt")
@exception_view_config(BadCSRFToken, renderer="opalexe_core:templates/error.pt")
def bad_csrf(request):
    request.response.status = 400
    return {
        "title": _("Formulaire expiré"),
        "message": _("Le formulaire a expiré ou ne vient pas de cette plateforme. Rechargez la page et recommencez."),
    }


@exception_view_config(Refused, renderer="opalexe_core:templates/error.pt")
def refused(exc, request):
    """A service refused the actor a right the view let through: a 403 that
    commits nothing."""
    request.tm.doom()
    request.response.status = 403
    return {"title": _("Accès refusé"), "message": exc.message}


@exception_view_config(URLDecodeError, renderer="opalexe_core:templates/error.pt")
def undecodable_url(request):
    request.response.status = 400
    return {
        "title": _("Adresse illisible"),
        "message": _("Cette adresse contient des caractères qui ne sont pas de l'UTF-8 valide. Vérifiez le lien suivi."),  # noqa: E501
    }
