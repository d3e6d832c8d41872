"""An expertise and its folders, as the rights matrix lets the user see them."""

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..contract import Role
from ..i18n import _
from ..labels import PARTY_SIDE_LABELS, ROLE_LABELS, STATUS_LABELS
from ..resources.expertise import Expertise, Expertises


def folder_title(request, folder) -> str:
    """The folder's title in the page's language. A folder stores the French
    title (the message id) its tree gave it, translated here; a party's folder
    bears the party's name, which is never translated."""
    if folder.party_id is not None:
        return folder.title
    return request.localizer.translate(_(folder.title))


def visible_folders(request, container, depth=0):
    rows = []
    for folder in container.values():
        if request.has_permission("view", folder):
            rows.append(
                {
                    "title": folder_title(request, folder),
                    "url": request.resource_url(folder),
                    "depth": depth,
                    "can_deposit": bool(request.has_permission("deposit", folder)),
                }
            )
            rows += visible_folders(request, folder, depth + 1)
    return rows


@view_config(context=Expertises, permission="view")
def expertises(context, request):
    return HTTPFound(request.resource_url(request.root))


@view_config(context=Expertise, renderer="opalexe_core:templates/expertise.pt", permission="view")
def expertise(context, request):
    accounts = request.root.accounts
    jurisdiction = request.root.jurisdictions.get(context.jurisdiction_code)
    participants = []
    order = list(Role)
    for participant in sorted(context.participants.values(), key=lambda p: order.index(p.role)):
        account = accounts.get(participant.account_id)
        party = context.party(participant.party_id) if participant.party_id else None
        participants.append(
            {
                "name": account.display_name if account else participant.account_id,
                "role": ROLE_LABELS[participant.role],
                "party": party.name if party else "",
                "active": participant.active,
            }
        )
    return {
        "expertise": context,
        "status": STATUS_LABELS[context.status],
        "jurisdiction": jurisdiction,
        "parties": [{"name": p.name, "side": PARTY_SIDE_LABELS[p.side]} for p in context.parties],
        "paper_parties": [p for p in context.parties if p.served_on_paper],
        "participants": participants,
        "folders": visible_folders(request, context.folders),
    }
