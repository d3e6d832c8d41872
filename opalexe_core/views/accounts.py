"""The accounts directory, for the platform administrator."""

import colander
import deform
from pyramid.view import view_config

from ..contract import UserError
from ..forms.accounts import AccountSchema, CourtSchema, DisableAccountSchema
from ..forms.base import make_form, refusal
from ..i18n import _
from ..labels import PROFILE_LABELS
from ..permissions import ADMIN
from ..resources.accounts import Account, Accounts
from ..services.accounts import COURT_PROFILES, create_account, disable_account, enable_account, set_account_court
from . import back_to, refused


def _page(request, context, form_html):
    accounts = sorted(context.values(), key=lambda a: (a.last_name.lower(), a.first_name.lower()))
    return {
        "form": form_html,
        "accounts": [
            {"name": a.display_name, "email": a.email, "profile": PROFILE_LABELS[a.profile], "admin": a.is_admin,
             "active": a.active, "reason": a.disabled_reason, "url": request.resource_url(a),
             "open_logins": len(a.logins), "self": request.identity is not None and a.id == request.identity.id,
             "court_staff": a.profile in COURT_PROFILES, "court_code": a.court_code or ""}
            for a in accounts
        ],
        "courts": sorted(((j.code, j.name) for j in request.opalexe_root.jurisdictions.values()),
                         key=lambda court: court[1]),
    }


@view_config(context=Accounts, renderer="opalexe_core:templates/accounts.pt", permission=ADMIN)
def accounts(context, request):
    form = make_form(AccountSchema, request, _("Créer le compte"))
    if request.method != "POST":
        return _page(request, context, form.render())
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _page(request, context, failure.render())
    try:
        create_account(request.opalexe_platform, request.opalexe_actor, first_name=data["first_name"],
                       last_name=data["last_name"], email=data["email"], profile=data["profile"],
                       is_admin=data["is_admin"])
    except UserError as error:
        refused(request, error)
        return _page(request, context, refusal(form, data, error))
    return back_to(request, request.resource_url(context), _("Compte créé."))


@view_config(context=Account, name="desactiver", request_method="POST", permission=ADMIN)
def disable(context, request):
    form = make_form(DisableAccountSchema, request, _("Désactiver"))
    back = request.resource_url(context.__parent__)
    try:
        data = form.validate(request.POST.items())
        closed = disable_account(request.opalexe_platform, request.opalexe_actor, context, data["reason"])
    except deform.ValidationFailure:
        return back_to(request, back, _("Indiquez le motif de la désactivation."), "error")
    except UserError as error:
        request.tm.doom()
        return back_to(request, back, error.message, "error")
    return back_to(request, back, _("Compte de ${name} désactivé ; connexions fermées : ${count}.",
                                    mapping={"name": context.display_name, "count": closed}))


@view_config(context=Account, name="reactiver", request_method="POST", permission=ADMIN)
def enable(context, request):
    back = request.resource_url(context.__parent__)
    try:
        enable_account(request.opalexe_platform, request.opalexe_actor, context)
    except UserError as error:
        request.tm.doom()
        return back_to(request, back, error.message, "error")
    return back_to(request, back, _("Compte de ${name} réactivé.", mapping={"name": context.display_name}))


@view_config(context=Account, name="juridiction", request_method="POST", permission=ADMIN)
def attach_to_court(context, request):
    """Attach a magistrate's or clerk's account to its court (or detach it)."""
    back = request.resource_url(context.__parent__)
    try:
        data = CourtSchema().bind(request=request).deserialize(dict(request.POST.items()))
        set_account_court(request.opalexe_platform, request.opalexe_actor, context, data["court_code"] or None)
    except colander.Invalid:
        return back_to(request, back, _("Juridiction inconnue."), "error")
    except UserError as error:
        request.tm.doom()
        return back_to(request, back, error.message, "error")
    if context.court_code:
        court = request.opalexe_root.jurisdictions[context.court_code]
        return back_to(request, back, _("Compte de ${name} rattaché à ${court}.",
                                        mapping={"name": context.display_name, "court": court.name}))
    return back_to(request, back, _("Compte de ${name} détaché de toute juridiction.",
                                    mapping={"name": context.display_name}))
