"""Administration: the loaded plugins and the hooks each implements."""

from pyramid.view import view_config

from ..plugins import describe_plugins
from ..resources.root import Root


@view_config(context=Root, name="extensions", renderer="opalexe_core:templates/plugins.pt", permission="admin")
def plugins(context, request):
    return {"plugins": describe_plugins(request.registry.opalexe_pm)}
