"""The language switch at the foot of every page: remembers the choice in the
``_LOCALE_`` cookie the locale negotiator reads, then goes back to the page."""

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..i18n import supported_locale
from ..resources.root import Root

COOKIE_AGE = 365 * 24 * 3600  # a year: a language is a lasting preference


def safe_return_path(value) -> str | None:
    """``value`` if it is a path of this site (``/…``), else None: the switch
    must not send anyone to another site."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


def return_path(request) -> str:
    """``request.opalexe_return_path``: where the switch comes back to, this
    page; the home page when the page's own address is undecodable."""
    try:
        return request.path_qs
    except UnicodeDecodeError:
        return "/"


@view_config(context=Root, name="langue", request_method="GET", permission="view")
def switch_language(context, request):
    back = safe_return_path(request.GET.get("retour")) or request.resource_url(context)
    response = HTTPFound(back)
    locale = supported_locale(request.GET.get("code"))
    if locale is not None:
        response.set_cookie(
            "_LOCALE_",
            locale,
            max_age=COOKIE_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.registry.opalexe.secure_cookies,
        )
    return response
