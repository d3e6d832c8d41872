"""The home page: a welcome for visitors, the dashboard for participants.

A participant invited by e-mail lands in the case it was invited to at its
login; taking part in several, its dashboard offers « Accéder à l'expertise »
(the one it was invited to last) and « Accéder aux expertises » (the list).
"""

from datetime import date

from pyramid.view import view_config

from ..contract import Profile
from ..dashboard import dashboard
from ..labels import ROLE_LABELS, STATUS_LABELS
from ..permissions import PUBLIC
from ..resources.root import Root
from .expertises import day
from .invitations import invitation_tabs

FILTERS = ("q", "statut", "juridiction", "page")


def _page_number(value) -> int:
    try:
        return max(1, min(int(value), 100_000))
    except (TypeError, ValueError):
        return 1


def court_name(root, code) -> str:
    court = root.jurisdictions.get(code)
    return court.short_name if court is not None else code


@view_config(context=Root, renderer="opalexe_core:templates/home.pt", permission=PUBLIC)
def home(context, request):
    account = request.identity
    if account is None:
        return {"board": None, "invitation_tabs": None}
    root = request.opalexe_root
    params = {key: request.GET.get(key, "").strip()[:200] for key in FILTERS}
    board = dashboard(root.expertises.index, account, query=params["q"], status=params["statut"],
                      court=params["juridiction"], page=_page_number(params["page"]), today=date.today())
    base = request.resource_url(root.expertises)
    rows = [{
        "url": base + row.summary.id + "/",
        "name": row.summary.name,
        "status": STATUS_LABELS[row.summary.status],
        "court": court_name(root, row.summary.jurisdiction_code),
        "rg": row.summary.rg,
        "exp": row.summary.exp or "",
        "role": ROLE_LABELS[row.role],
        "unread": row.unread,
        "deadline": day(row.deadline) if row.deadline else "—",
        "overdue": row.overdue,
    } for row in board.rows]
    filters = {key: value for key, value in params.items() if value and key != "page"}

    def page_url(number):
        return request.resource_url(root, query={**filters, "page": number})

    saisines = []
    if account.profile == Profile.EXPERT:
        saisines = [{"url": request.resource_url(s), "court": court_name(root, s.jurisdiction_code),
                     "rg": s.case.get("rg", ""), "sent_at": day(s.sent_at)}
                    for s in root.saisines.of_expert(account.id) if s.pending]
    return {
        "board": board,
        "rows": rows,
        "params": params,
        "filtered": bool(filters),
        "statuses": list(STATUS_LABELS.items()),
        "courts": [(code, court_name(root, code)) for code in board.courts],
        "previous": page_url(board.page - 1) if board.page > 1 else None,
        "next": page_url(board.page + 1) if board.page < board.pages else None,
        "invitation_tabs": invitation_tabs(request, account),
        "is_expert": account.profile == Profile.EXPERT,
        "clerk_court": account.court_code if account.profile == Profile.GREFFIER else None,
        "saisines": saisines,
    }
