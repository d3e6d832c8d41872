"""The jurisdictions directory."""

from pyramid.view import view_config

from ..resources.jurisdictions import KIND_LABELS, Jurisdictions


@view_config(context=Jurisdictions, renderer="opalexe_core:templates/jurisdictions.pt", permission="view")
def jurisdictions(context, request):
    courts = sorted(context.values(), key=lambda j: (list(KIND_LABELS).index(j.kind), j.city))
    return {"courts": courts, "kinds": KIND_LABELS}
