"""Inviting a participant by e-mail, and where an invited participant lands
after logging in (issue #19)."""

import deform
from pyramid.view import view_config

from ..contract import UserError
from ..forms.base import make_form, refusal
from ..forms.invitations import InvitationSchema
from ..i18n import _
from ..permissions import MANAGE
from ..resources.expertise import Expertise
from ..services.invitations import active_expertise_count, invite_participant, landing_expertise
from . import back_to, refused


def _page(context, form_html):
    return {"expertise": context, "form": form_html}


@view_config(context=Expertise, name="inviter", renderer="opalexe_core:templates/invitation.pt", permission=MANAGE)
def invite(context, request):
    form = make_form(InvitationSchema, request, _("Inviter"), expertise=context)
    if request.method != "POST":
        return _page(context, form.render())
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _page(context, failure.render())
    try:
        invite_participant(request.opalexe_platform, request.opalexe_actor, context, email=data["email"],
                           first_name=data["first_name"], last_name=data["last_name"], role=data["role"],
                           party_id=data["party_id"] or None)
    except UserError as error:
        refused(request, error)
        return _page(context, refusal(form, data, error))
    return back_to(request, request.resource_url(context),
                   _("${email} est invité(e) à l'expertise : l'invitation lui est envoyée par courriel.",
                     mapping={"email": data["email"].lower()}))


def landing_url(request, account) -> str:
    """After a login: the case the account was last invited to (release
    notes of 29 May 2024, 2.3), else the dashboard."""
    expertise = landing_expertise(request.opalexe_root, account)
    return request.resource_url(expertise if expertise is not None else request.opalexe_root)


def invitation_tabs(request, account):
    """«Accéder à l'expertise» and «Accéder aux expertises», for a participant
    invited by e-mail who takes part in several cases; ``None`` otherwise."""
    if account is None:
        return None
    root = request.opalexe_root
    expertise = landing_expertise(root, account)
    if expertise is None or active_expertise_count(root, account) < 2:
        return None
    return {"expertise_url": request.resource_url(expertise), "expertise_name": expertise.name,
            "all_url": request.resource_url(root) + "#mes-expertises"}
