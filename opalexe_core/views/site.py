"""The site settings, for the platform administrator."""

import deform
from pyramid.view import view_config

from ..contract import UserError
from ..forms.base import make_form, refusal
from ..forms.site import SiteSettingsSchema
from ..i18n import _
from ..permissions import ADMIN
from ..resources.root import Root
from ..services.site import update_site_settings
from . import back_to, refused


@view_config(context=Root, name="parametres", renderer="opalexe_core:templates/site_settings.pt", permission=ADMIN)
def site_settings(context, request):
    site = context.settings
    form = make_form(SiteSettingsSchema, request, _("Enregistrer"))
    if request.method != "POST":
        return {"form": form.render({"platform_name": site.platform_name, "contact_email": site.contact_email})}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {"form": failure.render()}
    try:
        update_site_settings(request.opalexe_platform, request.opalexe_actor, platform_name=data["platform_name"],
                             contact_email=data["contact_email"])
    except UserError as error:
        refused(request, error)
        return {"form": refusal(form, data, error)}
    return back_to(request, request.resource_url(context, "parametres"), _("Paramètres enregistrés."))
