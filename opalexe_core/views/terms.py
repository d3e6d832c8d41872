"""The terms of use: reading and accepting them (everybody), publishing a
version (the administrator).

Once logged in, an account whose terms in force are not accepted is sent to
``/cgu/`` whatever page it asks for, until it accepts them (« Accepter et
continuer ») or logs out: the login view marks the session
(:data:`~opalexe_core.views.login.TERMS_PENDING_KEY`).
"""

import deform
from pyramid.events import ContextFound, subscriber
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..contract import UserError
from ..forms.base import make_form, refusal
from ..forms.terms import TermsSchema
from ..i18n import _
from ..permissions import ADMIN, PUBLIC, VIEW
from ..resources.terms import TermsOfUse
from ..services import terms
from . import back_to, refused
from .login import SWITCH, TERMS_PENDING_KEY

#: What an account with terms to accept may still open: the terms, logging out, the language switch.
_OPEN_WHILE_PENDING = ("cgu", "deconnexion", SWITCH, "langue", "static", "deform-static")


@subscriber(ContextFound)
def terms_first(event):
    request = event.request
    if TERMS_PENDING_KEY not in request.session:
        return
    first = request.path_info.strip("/").split("/", 1)[0]
    if first in _OPEN_WHILE_PENDING or request.identity is None:
        return
    raise HTTPFound(request.resource_url(request.opalexe_root.terms))


@view_config(context=TermsOfUse, renderer="opalexe_core:templates/terms.pt", permission=PUBLIC)
def terms_page(context, request):
    platform = request.opalexe_platform
    account = request.identity
    current = terms.in_force(platform)
    coming = context.announced(terms.today(platform.now()))
    to_accept = None
    if account is not None:
        to_accept = terms.to_accept(platform, account) or terms.announced(platform, account)
    shown = []
    for version in (to_accept, current, coming):
        if version is not None and version not in shown:
            shown.append(version)
    return {"current": current, "coming": coming, "to_accept": to_accept, "shown": shown,
            "must": account is not None and terms.to_accept(platform, account) is not None,
            "is_admin": request.has_permission(ADMIN, context)}


@view_config(context=TermsOfUse, name="accepter", request_method="POST", permission=VIEW)
def accept(context, request):
    version = request.POST.get("version", "")
    try:
        terms.accept(request.opalexe_platform, request.opalexe_actor, version)
    except UserError as error:
        request.tm.doom()
        return back_to(request, request.resource_url(context), error.message, "error")
    if request.session.get(TERMS_PENDING_KEY) == version:
        del request.session[TERMS_PENDING_KEY]
    return back_to(request, request.resource_url(request.opalexe_root),
                   _("Conditions générales (version ${version}) acceptées.", mapping={"version": version}))


@view_config(context=TermsOfUse, name="versions", renderer="opalexe_core:templates/terms_admin.pt", permission=ADMIN)
def publish(context, request):
    platform = request.opalexe_platform
    form = make_form(TermsSchema, request, _("Publier"))
    page = {"versions": list(reversed(context.all())), "earliest": terms.earliest_day(platform)}
    if request.method != "POST":
        return {**page, "form": form.render({"effective_on": page["earliest"]})}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {**page, "form": failure.render()}
    try:
        published = terms.publish(platform, request.opalexe_actor, version=data["version"], title=data["title"],
                                  effective_on=data["effective_on"], text=data["text"])
    except UserError as error:
        refused(request, error)
        return {**page, "form": refusal(form, data, error)}
    return back_to(request, request.resource_url(context, "versions"),
                   _("Version ${version} publiée, en vigueur le ${date}.",
                     mapping={"version": published.version, "date": published.effective_on.strftime("%d/%m/%Y")}))
