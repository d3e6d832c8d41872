"""A folder's exceptions to the rights matrix: who holds what here, and the
expert's form to grant or withdraw one participant's access."""

from pyramid.httpexceptions import HTTPForbidden
from pyramid.renderers import render
from pyramid.view import view_config

from ..contract import Right, Status
from ..forms.base import make_form
from ..forms.case import GrantSchema
from ..i18n import _
from ..labels import RIGHT_LABELS, ROLE_LABELS
from ..permissions import MANAGE, VIEW
from ..resources.expertise import Folder
from ..services.folder_access import effective_right, grant_folder_access, withdraw_folder_access
from . import back_to, submit


def grant_form(context, request):
    return make_form(GrantSchema, request, _("Enregistrer l'accès"), formid="grant-form",
                     expertise=context.expertise, action=request.resource_url(context, "acces"))


def folder_grants(context, request, form_html: str | None = None) -> str:
    """The section of the folder's page on who holds what here, with the form
    to change it (``templates/folder_access.pt``): for those who manage the
    case only, empty otherwise."""
    expertise = context.expertise
    if expertise is None or expertise.status == Status.ARCHIVEE or not request.has_permission(MANAGE, expertise):
        return ""
    platform = request.opalexe_platform
    accounts = request.opalexe_root.accounts
    rows = []
    for participant in expertise.participants.values():
        account = accounts.get(participant.account_id)
        right = effective_right(platform, context, participant)
        rows.append({"name": account.display_name if account else participant.account_id,
                     "role": ROLE_LABELS[participant.role], "right": RIGHT_LABELS[right],
                     "exception": context.grant_of(participant.account_id) is not None,
                     "active": participant.active})
    values = {"rows": rows, "form": form_html if form_html is not None else grant_form(context, request).render()}
    return render("opalexe_core:templates/folder_access.pt", values, request=request)


@view_config(context=Folder, name="acces", request_method="POST", renderer="opalexe_core:templates/folder.pt",
             permission=VIEW)
def access(context, request):
    """Grant (read, or read and deposit) or withdraw (none) one participant's access."""
    from .documents import folder as folder_page

    expertise = context.expertise
    if expertise is None or not request.has_permission(MANAGE, expertise):
        raise HTTPForbidden()  # the folder's ACL knows no « manage »: the case's does
    form = grant_form(context, request)
    page = folder_page(context, request)
    platform, actor = request.opalexe_platform, request.opalexe_actor

    def run(data):
        if data["right"] == Right.NONE.value:
            withdraw_folder_access(platform, actor, context, data["account_id"])
        else:
            grant_folder_access(platform, actor, context, data["account_id"], data["right"])
        return back_to(request, request.resource_url(context, anchor="acces"), _("Accès enregistré."))

    answer = submit(request, form, {"grants": None}, run, key="grants")
    if isinstance(answer, dict):  # the folder's page, with the form's errors in its access section
        return {**page, "grants": folder_grants(context, request, answer["grants"])}
    return answer
