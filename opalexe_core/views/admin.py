"""Administration: the loaded plugins and the hooks each implements."""

from pyramid.view import view_config

from ..permissions import ADMIN
from ..plugins import describe_plugins
from ..resources.root import Root


@view_config(context=Root, name="extensions", renderer="opalexe_core:templates/plugins.pt", permission=ADMIN)
def plugins(context, request):
    return {"plugins": describe_plugins(request.registry.opalexe_pm)}
