"""Login: the profile choice built from the auth providers, the one address
providers' forms post to (``/authentification/<provider>``), the
registration of a first connection, and logout.

These views are the only ones that call ``remember`` and ``forget``: a
provider plugin reads and verifies credentials (its hooks), the core opens
the login and renews the session.
"""

import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..actors import AUTH_KEY
from ..contract import AuthenticationError, LoginAttempt, LoginEnd, UserError
from ..forms.base import make_form, refusal
from ..forms.registration import CORE_FIELDS, registration_schema
from ..i18n import _
from ..permissions import PUBLIC
from ..proxy import client_certificate
from ..resources.root import Root
from ..security import current_login
from ..services import auth
from . import back_to, refused
from .invitations import landing_url

PENDING_KEY = "opalexe.registration"


@view_config(context=Root, name="connexion", renderer="opalexe_core:templates/login.pt", permission=PUBLIC)
def login(context, request):
    providers = [
        {"label": p.label, "description": p.description, "url": request.route_url(p.login_route), "id": p.id}
        for p in auth.providers(request.opalexe_platform)
    ]
    return {"providers": providers}


@view_config(route_name="authenticate", request_method="POST", permission=PUBLIC)
def authenticate(request):
    """A provider's login form posts here."""
    provider = request.matchdict["provider"]
    attempt = LoginAttempt(
        provider=provider,
        params={key: value for key, value in request.POST.items() if key != "csrf_token"},
        client_address=request.client_addr,
        client_certificate_pem=client_certificate(request),
    )
    platform = request.opalexe_platform
    try:
        outcome = auth.authenticate(platform, attempt)
    except AuthenticationError as error:
        request.tm.doom()
        return back_to(request, _provider_page(request, provider), error.message, "error")
    if isinstance(outcome, auth.RegistrationRequired):
        request.session[PENDING_KEY] = auth.pending_registration(outcome.identity, platform.now())
        return HTTPFound(request.resource_url(request.opalexe_root, "inscription"))
    return _logged_in(request, outcome)


def _provider_page(request, provider_id: str) -> str:
    for provider in auth.providers(request.opalexe_platform):
        if provider.id == provider_id:
            return request.route_url(provider.login_route)
    return request.resource_url(request.opalexe_root, "connexion")


def _logged_in(request, outcome: auth.LoggedIn) -> HTTPFound:
    """Close the browser's previous login, renew the session for the new one,
    and lead to the case the account was invited to (else the dashboard)."""
    _account_id, previous = current_login(request)
    if previous and request.identity is not None:
        auth.close_login(request.opalexe_platform, request.opalexe_actor, previous, LoginEnd.REPLACED)
    identity = outcome.identity
    headers = remember(request, outcome.account.id, login_id=outcome.login_id)
    request.session[AUTH_KEY] = {"method": str(identity.auth_method), "provider": identity.provider,
                                 "fingerprint": identity.certificate_fingerprint}
    return HTTPFound(landing_url(request, outcome.account), headers=headers)


@view_config(context=Root, name="inscription", renderer="opalexe_core:templates/registration.pt",
             permission=PUBLIC)
def registration(context, request):
    """The registration form of a first connection, for the identity a
    provider has just verified (kept in the signed session for a while)."""
    platform = request.opalexe_platform
    identity = auth.identity_of_pending(request.session.get(PENDING_KEY), platform.now())
    if identity is None:
        request.session.pop(PENDING_KEY, None)
        return back_to(request, request.resource_url(context, "connexion"),
                       _("Connectez-vous d'abord : l'inscription suit la première connexion."), "error")
    schema = registration_schema(auth.registration_fields(platform, identity))
    form = make_form(lambda: schema, request, _("S'inscrire"))
    page = {"identity": identity}
    if request.method != "POST":
        return {**page, "form": form.render({"first_name": identity.first_name, "last_name": identity.last_name,
                                             "email": identity.email or ""})}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {**page, "form": failure.render()}
    answers = {key: value for key, value in data.items() if key not in CORE_FIELDS}
    try:
        outcome = auth.register(platform, identity, first_name=data["first_name"], last_name=data["last_name"],
                                email=data["email"], answers=answers, client_address=request.client_addr)
    except UserError as error:
        refused(request, error)
        return {**page, "form": refusal(form, data, error)}
    request.session.pop(PENDING_KEY, None)
    return _logged_in(request, outcome)


@view_config(context=Root, name="deconnexion", request_method="POST", permission=PUBLIC)
def logout(context, request):
    _account_id, login_id = current_login(request)
    if login_id and request.identity is not None:
        auth.close_login(request.opalexe_platform, request.opalexe_actor, login_id, LoginEnd.LOGOUT)
    headers = forget(request)
    return HTTPFound(request.resource_url(request.opalexe_root), headers=headers)
