"""The « Annuaire des avocats »: experts search the lawyers who use the
platform (a page, and the same search as JSON for the participant forms)."""

from pyramid.view import view_config

from ..permissions import VIEW
from ..resources.lawyers import LawyerDirectory
from ..services import lawyers


def _query(request) -> str:
    try:
        return " ".join(request.GET.get("q", "").split())[:200]
    except UnicodeDecodeError:
        return ""


@view_config(context=LawyerDirectory, renderer="opalexe_core:templates/lawyers.pt", permission=VIEW)
def directory(context, request):
    query = _query(request)
    found = lawyers.search(request.opalexe_platform, request.opalexe_actor, query)
    return {"query": query, "lawyers": found, "total": len(context)}


@view_config(context=LawyerDirectory, name="recherche.json", renderer="json", permission=VIEW)
def search_json(context, request):
    found = lawyers.search(request.opalexe_platform, request.opalexe_actor, _query(request))
    return {"lawyers": [{"account_id": lawyer.account_id, "name": lawyer.display_name, "bar": lawyer.bar,
                         "email": lawyer.email} for lawyer in found]}
