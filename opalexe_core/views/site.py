"""The site settings, for the platform administrator."""

import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..forms.base import make_form
from ..forms.site import SiteSettingsSchema
from ..i18n import _
from ..resources.root import Root


@view_config(context=Root, name="parametres", renderer="opalexe_core:templates/site_settings.pt", permission="admin")
def site_settings(context, request):
    site = context.settings
    form = make_form(SiteSettingsSchema, request, _("Enregistrer"))
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return {"form": failure.render()}
        site.update(data["platform_name"], data["contact_email"])
        request.session.flash(request.localizer.translate(_("Paramètres enregistrés.")), "success")
        return HTTPFound(request.resource_url(context, "parametres"))
    return {"form": form.render({"platform_name": site.platform_name, "contact_email": site.contact_email})}
