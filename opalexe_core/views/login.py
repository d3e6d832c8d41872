"""Login: the profile choice built from the auth providers, the demo login
(development only), and logout."""

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..i18n import _
from ..labels import PROFILE_LABELS
from ..resources.root import Root


def auth_providers(request):
    settings = request.registry.opalexe
    providers = [p for result in request.registry.opalexe_pm.hook.opalexe_auth_providers_collect(settings=settings)
                 for p in result or ()]
    return sorted(providers, key=lambda p: (p.order, p.label))


@view_config(context=Root, name="connexion", renderer="opalexe_core:templates/login.pt", permission="view")
def login(context, request):
    providers = [
        {"label": p.label, "description": p.description, "url": request.route_url(p.login_route), "id": p.id}
        for p in auth_providers(request)
    ]
    return {"providers": providers}


@view_config(route_name="login_demo", renderer="opalexe_core:templates/login_demo.pt", request_method=("GET", "POST"))
def login_demo(request):
    """Log in as any account without a credential: refused unless
    ``opalexe.dev_login`` is on (it cannot be in production). The setting
    decides, not the list of providers: a plugin's provider that happens to
    be called "demo" unlocks nothing."""
    if not request.registry.opalexe.dev_login:
        raise HTTPNotFound()
    accounts = request.root.accounts
    error = None
    if request.method == "POST":
        account = accounts.get(request.POST.get("account_id", ""))
        if account is not None:
            headers = remember(request, account.id)
            return HTTPFound(request.resource_url(request.root), headers=headers)
        request.response.status = 400
        error = _("Compte inconnu : choisissez l'un des comptes de démonstration ci-dessous.")
    listed = sorted(accounts.values(), key=lambda a: (a.profile, a.last_name))
    return {
        "error": error,
        "accounts": [
            {"id": a.id, "name": a.display_name, "email": a.email, "profile": PROFILE_LABELS[a.profile]}
            for a in listed
        ]
    }


@view_config(context=Root, name="deconnexion", request_method="POST")
def logout(context, request):
    headers = forget(request)
    return HTTPFound(request.resource_url(request.root), headers=headers)
