"""The accounts directory, for the platform administrator."""

import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..forms.accounts import AccountSchema
from ..forms.base import make_form
from ..i18n import _
from ..labels import PROFILE_LABELS
from ..resources.accounts import Account, Accounts


def _page(context, form_html):
    accounts = sorted(context.values(), key=lambda a: (a.last_name.lower(), a.first_name.lower()))
    return {
        "form": form_html,
        "accounts": [
            {"name": a.display_name, "email": a.email, "profile": PROFILE_LABELS[a.profile], "admin": a.is_admin}
            for a in accounts
        ],
    }


@view_config(context=Accounts, renderer="opalexe_core:templates/accounts.pt", permission="admin")
def accounts(context, request):
    form = make_form(AccountSchema, request, _("Créer le compte"), accounts=context)
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return _page(context, failure.render())
        context.add_account(
            Account(data["first_name"], data["last_name"], data["email"], data["profile"], data["is_admin"])
        )
        request.session.flash(request.localizer.translate(_("Compte créé.")), "success")
        return HTTPFound(request.resource_url(context))
    return _page(context, form.render())
