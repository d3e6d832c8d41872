"""The language switch at the foot of every page: remembers the choice in the
``_LOCALE_`` cookie the locale negotiator reads, then goes back to the page."""

import re
from urllib.parse import parse_qsl, urlencode

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..i18n import supported_locale
from ..permissions import PUBLIC
from ..resources.root import Root

COOKIE_AGE = 365 * 24 * 3600  # a year: a language is a lasting preference


#: A path of this site as ``return_path`` writes it: URL-quoted printable ASCII.
_PATH = re.compile(r"^/(?![/\\])[!-~]*$")


def safe_return_path(value) -> str | None:
    """``value`` if it is a quoted path of this site (``/…``), else None: the
    switch must not send anyone to another site, nor put raw characters in a
    ``Location`` header."""
    if not isinstance(value, str) or not _PATH.match(value) or "\\" in value:
        return None
    return value


def return_path(request) -> str:
    """``request.opalexe_return_path``: where the switch comes back to, this
    page without a ``_LOCALE_`` parameter (it would outweigh the choice); the
    home page when the page's own address is undecodable."""
    try:
        query = [(key, value) for key, value in parse_qsl(request.query_string, keep_blank_values=True)
                 if key != "_LOCALE_"]
        return request.path + (f"?{urlencode(query)}" if query else "")
    except UnicodeDecodeError:
        return "/"


@view_config(context=Root, name="langue", request_method="GET", permission=PUBLIC)
def switch_language(context, request):
    try:
        asked_back, asked_code = request.GET.get("retour"), request.GET.get("code")
    except UnicodeDecodeError:  # a crafted link: back home, nothing remembered
        asked_back = asked_code = None
    back = safe_return_path(asked_back) or request.resource_url(context)
    response = HTTPFound(back)
    locale = supported_locale(asked_code)
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
