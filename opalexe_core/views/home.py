"""The home page: a welcome for visitors, the dashboard for participants."""

from pyramid.view import view_config

from ..labels import ROLE_LABELS, STATUS_LABELS
from ..permissions import PUBLIC
from ..resources.root import Root
from .invitations import invitation_tabs


def dashboard_rows(request, account):
    root = request.root
    rows = []
    for expertise_id in account.expertise_ids:
        expertise = root.expertises.get(expertise_id)
        if expertise is None or not request.has_permission("view", expertise):
            continue
        jurisdiction = root.jurisdictions.get(expertise.jurisdiction_code)
        rows.append(
            {
                "url": request.resource_url(expertise),
                "name": expertise.name,
                "status": STATUS_LABELS[expertise.status],
                "court": jurisdiction.short_name if jurisdiction else expertise.jurisdiction_code,
                "rg": expertise.rg,
                "exp": expertise.exp or "",
                "role": ROLE_LABELS[expertise.participants[account.id].role],
            }
        )
    rows.sort(key=lambda row: row["name"])
    return rows


@view_config(context=Root, renderer="opalexe_core:templates/home.pt", permission=PUBLIC)
def home(context, request):
    account = request.identity
    return {"rows": dashboard_rows(request, account) if account is not None else [],
            "invitation_tabs": invitation_tabs(request, account)}
