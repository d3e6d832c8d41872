"""The accounts directory, for the platform administrator."""

import deform
from pyramid.view import view_config

from ..contract import UserError
from ..forms.accounts import AccountSchema, DisableAccountSchema
from ..forms.base import make_form, refusal
from ..i18n import _
from ..labels import PROFILE_LABELS
from ..permissions import ADMIN
from ..resources.accounts import Account, Accounts
from ..services.accounts import create_account, disable_account, enable_account
from . import back_to, refused


def _page(request, context, form_html):
    accounts = sorted(context.values(), key=lambda a: (a.last_name.lower(), a.first_name.lower()))
    return {
        "form": form_html,
        "accounts": [
            {"name": a.display_name, "email": a.email, "profile": PROFILE_LABELS[a.profile], "admin": a.is_admin,
             "active": a.active, "reason": a.disabled_reason, "url": request.resource_url(a),
             "open_logins": len(a.logins), "self": request.identity is not None and a.id == request.identity.id}
            for a in accounts
        ],
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
