"""The jurisdictions directory."""

from pyramid.view import view_config

from ..labels import KIND_LABELS
from ..resources.jurisdictions import Jurisdictions


@view_config(context=Jurisdictions, renderer="opalexe_core:templates/jurisdictions.pt", permission="view")
def jurisdictions(context, request):
    courts = sorted(context.values(), key=lambda j: (list(KIND_LABELS).index(j.kind), j.city))
    return {"courts": courts, "kinds": KIND_LABELS}
